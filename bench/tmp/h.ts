import { loadEngine } from '../../src/trainer/engine';
import { buildHead, labelTensor, lossFor } from '../../src/trainer/headModel';
import { fitWithEarlyStopping } from '../../src/trainer/trainLoop';
(async () => {
  const { tf } = await loadEngine('wasm');
  const n = 1120, d = 1280;
  const x = tf.randomNormal([n, d]); const y = labelTensor(tf, Array.from({ length: n }, (_, i) => i % 2), 2);
  const vx = tf.randomNormal([280, d]); const vy = labelTensor(tf, Array.from({ length: 280 }, (_, i) => i % 2), 2);
  for (const bs of [32, 64, 32]) {
    const model = buildHead(tf, { inputDim: d, classes: 2, seed: 3 });
    model.compile({ optimizer: tf.train.adam(1e-3), loss: lossFor(2), metrics: ['accuracy'] });
    const secs: number[] = [];
    await fitWithEarlyStopping(tf, model, () => ({ x: x.clone(), y: y.clone() }), { x: vx, y: vy }, {
      epochs: 6, patience: 100, monitor: 'val_loss', batchSize: bs, seed: 5, lr: 1e-3, signal: new AbortController().signal,
      onEpoch: (m) => void secs.push(m.seconds),
    });
    console.log('fitWithEarlyStopping batch', bs, secs.map((s) => s.toFixed(3)).join(' '));
    // raw: optimizer.minimize per batch
    const opt = tf.train.adam(1e-3);
    const t = performance.now();
    for (let e = 0; e < 3; e++) for (let i = 0; i < n; i += bs) {
      tf.tidy(() => { const xb = x.slice([i, 0], [Math.min(bs, n - i), d]); const yb = y.slice([i, 0], [Math.min(bs, n - i), 1]);
        opt.minimize(() => tf.losses.sigmoidCrossEntropy(yb, (model.apply(xb, { training: true }) as any)) as any); });
    }
    console.log('raw minimize per epoch', ((performance.now() - t) / 3000).toFixed(3));
  }
})();

import { loadEngine } from '../../src/trainer/engine';
(async () => {
  const { tf } = await loadEngine('wasm');
  const a = tf.randomNormal([32, 1280]), w = tf.randomNormal([1280, 256]), dy = tf.randomNormal([32, 256]);
  const time = (name: string, f: () => any, flops: number) => {
    for (let i = 0; i < 3; i++) tf.tidy(() => { f().dataSync(); });
    const t = performance.now(); const n = 50;
    for (let i = 0; i < n; i++) tf.tidy(() => { f().dataSync(); });
    const ms = (performance.now() - t) / n;
    console.log(name, ms.toFixed(2), 'ms', (flops / ms / 1e6).toFixed(2), 'GFLOP/s');
  };
  const F = 2 * 32 * 1280 * 256;
  time('fwd a·w', () => tf.matMul(a, w), F);
  time('dx dy·wT', () => tf.matMul(dy, w, false, true), F);
  time('dw aT·dy', () => tf.matMul(a, dy, true, false), F);
  time('dw explicit transpose', () => tf.matMul(tf.transpose(a), dy), F);
})();

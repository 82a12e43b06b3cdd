// The speed and memory goals (issue 8) checked against bench/out/results.json. A goal whose bench did not run
// (or failed) reads "not measured", never "pass".
/* eslint-disable @typescript-eslint/no-explicit-any -- the results are whatever each bench printed */
type Json = any;

export interface Goal {
  goal: string; measured: string; status: 'pass' | 'FAIL' | 'not measured';
  /** The benches it reads: when none of them is in results.json, the report keeps the row it showed before. */
  benches: string[];
}

const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const f = (v: number | undefined, d = 2) => (v === undefined ? '–' : String(Math.round(v * 10 ** d) / 10 ** d));

function check(
  benches: string[], goal: string, values: (number | undefined)[], ok: (...v: number[]) => boolean, measured: (...v: (number | undefined)[]) => string,
): Goal {
  // Only the values the pass rule reads decide "not measured"; the rest are context.
  const known = values.slice(0, ok.length).every((v) => v !== undefined);
  return { goal, benches, measured: measured(...values), status: !known ? 'not measured' : ok(...(values as number[])) ? 'pass' : 'FAIL' };
}

/**
 * ours / the faster of PyTorch's 2-thread and 1-thread runs. On a shared 2-core machine PyTorch's two OpenMP
 * threads can lose a core to other jobs and fall below its own 1-thread speed; a goal should not pass on that.
 */
function vsBest(ours: unknown, ...references: unknown[]): number | undefined {
  const refs = references.map(num).filter((r): r is number => r !== undefined);
  const o = num(ours);
  return o !== undefined && refs.length ? o / Math.max(...refs) : undefined;
}

/** Largest run's trainer peak over the smallest's, from the MB figures (the bench's own ratio is rounded). */
function ratioOfPeaks(mem: Json): number | undefined {
  const peaks = Object.entries((mem?.runs ?? {}) as Record<string, Json>).sort(([a], [b]) => Number(a) - Number(b))
    .map(([, v]) => num(v?.featureExtractor?.trainerPeakRssMb));
  const [small, large] = [peaks[0], peaks.at(-1)];
  return peaks.length > 1 && small && large ? large / small : undefined;
}

export function goals(r: Record<string, Json>): Goal[] {
  const fwd = r.forward?.results?.['1.0@224'];
  const fwd035 = r.forward?.results?.['0.35@224'];
  const jobsOrt: string = r.forward?.jobsOrt ?? 'ort-2threads';
  const vsBestAt = (v: Json, side: string) => vsBest(v?.[side]?.imgPerS, v?.pytorch?.imgPerS, v?.['pytorch-1thread']?.imgPerS);
  const ft = r.finetune;
  // e2e: one side per frozen engine; the goals read the jobs' default (onnxruntime), tfjs is the same-run reference.
  const ort = r.e2e?.sides?.onnxruntime;
  const tfjs = r.e2e?.sides?.tfjs;
  const ortFirst = ort?.first;
  const ortRerunFe = ort?.rerun?.featureExtractor?.timeline;
  const mem = r.memory;
  const large = mem?.runs && Object.entries(mem.runs as Record<string, Json>).sort(([a], [b]) => Number(b) - Number(a))[0];
  return [
    check(['forward'], 'Forward ≥ 1.0× PyTorch CPU, MobileNetV2 1.0@224 (the engine as the jobs run it: wasm on forward workers)',
      [vsBest(fwd?.['wasm-workers']?.imgPerS, fwd?.pytorch?.imgPerS, fwd?.['pytorch-1thread']?.imgPerS), num(fwd?.['wasm-workers']?.vsPytorch),
        vsBest(fwd?.wasm?.imgPerS, fwd?.pytorch?.imgPerS, fwd?.['pytorch-1thread']?.imgPerS)],
      (x) => x >= 1, (x, two, one) => `wasm on 2 forward workers ${f(x)}× the faster PyTorch setting (${f(two)}× PyTorch on 2 threads); one wasm thread ${f(one)}×`),
    check(['forward'], "Frozen forward (the jobs' engine, ORT) ≥ 5× the faster PyTorch setting at 1.0@224 and 0.35@224",
      [vsBestAt(fwd, jobsOrt), vsBestAt(fwd035, jobsOrt), vsBestAt(fwd, 'ort-2sessions'), vsBestAt(fwd035, 'ort-2sessions')],
      (a, b) => a >= 5 && b >= 5,
      (a, b, c, d) => `${jobsOrt} (the jobs: one session, intra-op = cores) ${f(a)}× at 1.0@224, ${f(b)}× at 0.35@224; ` +
        `two 1-thread sessions on worker threads ${f(c)}×, ${f(d)}×`),
    check(['finetune'], 'Cached-activation fine-tune ≥ 50× naive tfjs cpu', [num(ft?.ratios?.oursVsNaiveCpu)], (x) => x >= 50, (x) => `${f(x, 1)}×`),
    check(['finetune'], 'Cached-activation fine-tune step ≥ 1.0× PyTorch fine-tune step',
      [vsBest(ft?.stepImgPerS?.ours, ft?.stepImgPerS?.pytorchCached, ft?.stepImgPerS?.pytorchCached1thread), num(ft?.ratios?.oursVsPytorchCached), num(ft?.ratios?.oursVsPytorchEndToEnd)],
      (x) => x >= 1, (x, two, e) => `${f(x)}× the faster PyTorch setting from cached activations (${f(two)}× on 2 threads; ${f(e)}× PyTorch end to end)`),
    check(['e2e'], 'E2E (prepare → FE → evaluate → predict) < 30 s with val_acc ≥ 0.96 (frozen passes on ONNX Runtime)',
      [num(ort?.first?.withoutFineTune?.wall), num(ort?.first?.withoutFineTune?.valAcc), num(ortFirst?.featureExtractor?.seconds?.embedding),
        num(tfjs?.first?.withoutFineTune?.wall), num(tfjs?.first?.withoutFineTune?.valAcc)],
      (s, a) => s < 30 && a >= 0.96,
      (s, a, emb, t, ta) => `${f(s, 1)} s, val_acc ${f(a, 3)} (feature extractor's embedding stage ${f(emb, 1)} s); --frozen tfjs in the same run ${f(t, 1)} s, val_acc ${f(ta, 3)}`),
    check(['finetune', 'e2e'], 'Fine-tune top block ≥ 20 img/s per epoch',
      [num(ft?.oursEpoch?.imgPerSPerEpoch), num(ortFirst?.fineTune?.trainImgPerSPerEpoch), num(tfjs?.first?.fineTune?.trainImgPerSPerEpoch)],
      (x) => x >= 20,
      (x, o, t) => `${f(x, 1)} img/s in bench/finetune.ts; e2e fine-tune job (epochs incl. validation) ${f(o, 1)} with frozen passes on ONNX Runtime, ${f(t, 1)} with --frozen tfjs`),
    check(['e2e'], 'Cached FE rerun < 10 s',
      [num(ort?.rerun?.featureExtractor?.wall), num(ortRerunFe?.training), num(ortRerunFe?.saving), num(ort?.rerun?.featureExtractor?.epochs), num(tfjs?.rerun?.featureExtractor?.wall)],
      (s) => s < 10,
      (s, tr, sv, ep, t) => `${f(s, 1)} s (head training ${f(tr, 1)} s over ${f(ep, 0)} epochs, saving ${f(sv, 1)} s); --frozen tfjs ${f(t, 1)} s`),
    check(['memory'], `Peak RSS < 1.5 GB at ${large?.[0] ?? '25000'} images, flat vs the smallest run (≤ 1.10×)`,
      [num(large?.[1]?.featureExtractor?.trainerPeakRssMb), ratioOfPeaks(mem)],
      (mb, g) => mb < 1536 && g <= 1.1, (mb, g) => `trainer ${f(mb, 0)} MB, ${f(g, 3)}× the smallest run`),
  ];
}

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
  const e2e = r.e2e;
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
    check(['e2e'], 'E2E without fine-tune < 2 min with val_acc ≥ 0.96', [num(e2e?.first?.withoutFineTune?.wall), num(e2e?.first?.withoutFineTune?.valAcc)],
      (s, a) => s < 120 && a >= 0.96, (s, a) => `${f(s, 1)} s, val_acc ${f(a, 3)}`),
    check(['finetune', 'e2e'], 'Fine-tune top block ≥ 20 img/s per epoch', [num(ft?.oursEpoch?.imgPerSPerEpoch), num(e2e?.first?.fineTune?.trainImgPerSPerEpoch)],
      (x) => x >= 20, (x, e) => `${f(x, 1)} img/s in bench/finetune.ts (${f(e, 1)} in the e2e fine-tune job, epochs incl. validation)`),
    check(['e2e'], 'Cached feature-extractor rerun < 30 s', [num(e2e?.rerun?.featureExtractor?.wall)], (s) => s < 30, (s) => `${f(s, 1)} s`),
    check(['memory'], `Peak RSS < 1.5 GB at ${large?.[0] ?? '25000'} images, flat vs the smallest run (≤ 1.10×)`,
      [num(large?.[1]?.featureExtractor?.trainerPeakRssMb), ratioOfPeaks(mem)],
      (mb, g) => mb < 1536 && g <= 1.1, (mb, g) => `trainer ${f(mb, 0)} MB, ${f(g, 3)}× the smallest run`),
  ];
}

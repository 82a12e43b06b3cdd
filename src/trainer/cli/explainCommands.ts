// `transfer-lab explain`: Grad-CAM overlays and every class's probability for images under a saved run's model.
import * as path from 'node:path';
import type { ExplainResult } from '../../core/jobs/explain';
import type { CliCommand } from './commands';
import { printJson, runCliJob, UsageError } from './cliJob';

const defined = (o: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(o).filter(([, x]) => x !== undefined));

export function formatExplanation(r: ExplainResult): string {
  const lines = [`Grad-CAM of ${r.runDir} at ${r.layer}; classes ${r.classes.join(', ')}`];
  for (const i of r.items) {
    const probabilities = r.classes.map((c, k) => `${c} ${i.probabilities[k].toFixed(4)}`).join(', ');
    lines.push(`${i.file}: ${i.predicted} (${probabilities})`, `  → ${i.overlay}`);
  }
  for (const s of r.skipped) lines.push(`skipped ${s.file}: ${s.reason}`);
  lines.push(`${r.items.length} overlays in ${r.seconds.toFixed(1)} s`);
  return lines.join('\n') + '\n';
}

export const explainCommands: Record<string, CliCommand> = {
  explain: {
    summary: "show where a saved run's model looks: Grad-CAM overlays and every class's probability per image",
    help:
      'usage: transfer-lab explain <run-dir | model.h5 | model.keras | model.json> <image|folder>... [--out DIR]\n' +
      '         [--opacity 0.5] [--size 320] [--tta none|flip|flip+crops] [--preprocessing minus1to1|zero1|caffe]\n' +
      '         [--batch 32] [--engine auto|wasm|cpu|...] [--frozen auto|onnxruntime|tfjs] [--json]\n' +
      '  Overlays go to <run>/explain (or --out) as <name>.<hash>.gradcam.jpg; the originals are only read.',
    options: {
      json: { type: 'boolean', default: false },
      out: { type: 'string' },
      opacity: { type: 'string' },
      size: { type: 'string' },
      tta: { type: 'string' },
      preprocessing: { type: 'string' },
      batch: { type: 'string' },
      engine: { type: 'string' },
      frozen: { type: 'string' },
    },
    async run(v, positionals) {
      if (positionals.length < 2) {
        throw new UsageError('a run folder (or a model file: .h5, .keras, model.json) and at least one image or folder are required');
      }
      const r = await runCliJob(
        'explain',
        defined({
          runDir: path.resolve(positionals[0]),
          images: positionals.slice(1).map((p) => path.resolve(p)),
          outDir: typeof v.out === 'string' ? path.resolve(v.out) : undefined,
          opacity: v.opacity,
          size: v.size,
          tta: v.tta,
          preprocessing: v.preprocessing,
          batch: v.batch,
          engine: v.engine,
          frozen: v.frozen,
        }),
      );
      if (v.json) printJson(r);
      else process.stdout.write(formatExplanation(r));
      return 0;
    },
  },
};

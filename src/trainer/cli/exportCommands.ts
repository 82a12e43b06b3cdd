// `transfer-lab export`: a saved run's model as one ONNX or Keras .h5 file with its model card, checked against TF.js.
import * as path from 'node:path';
import { EXPORT_VERIFY_IMAGES, type ExportResult } from '../../core/jobs/exportModel';
import type { CliCommand } from './commands';
import { printJson, runCliJob, UsageError } from './cliJob';

const defined = (o: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(o).filter(([, x]) => x !== undefined));

const agreementText = (images: number, c: { maxAbsDiff?: number; argmaxAgreement?: number; tolerance: number }) =>
  `largest probability difference ${(c.maxAbsDiff ?? 0).toExponential(2)} (≤ ${c.tolerance}), same class on ` +
  `${Math.round((c.argmaxAgreement ?? 0) * images)}/${images}`;

function checkLines(r: ExportResult): string[] {
  const v = r.verification;
  if (v.status !== 'passed') return [`  not verified: ${v.reason}`];
  const skipped = v.skipped.length ? ` (${v.skipped.length} images skipped)` : '';
  if (r.format === 'onnx') {
    return [`  verified on ${v.images} validation images against TF.js: ${agreementText(v.images, v)}${skipped}`];
  }
  const o = v.onnx;
  return [
    `  verified on ${v.images} validation images against TF.js${skipped}:`,
    `    read back into TF.js: ${agreementText(v.images, v)}`,
    o?.status === 'passed'
      ? `    as ONNX in ONNX Runtime: ${agreementText(v.images, o)}`
      : `    not run in ONNX Runtime: ${o?.reason ?? 'no reason recorded'}`,
  ];
}

export function formatExport(r: ExportResult): string {
  const k = r.outputShape.at(-1);
  const output = r.binaryExpanded
    ? `[1 - p, p] = P(${r.classes[0]}), P(${r.classes[1]})`
    : k === 1 && r.classes.length === 2
      ? `one sigmoid p = P(${r.classes[1]})`
      : `P(${r.classes.join('), P(')})`;
  return [
    `wrote ${r.out} (${(r.bytes / 1e6).toFixed(2)} MB)`,
    `  input  ${r.inputName} float32 [N, ${r.inputShape.slice(1).join(', ')}] NHWC, ${r.metadata.preprocessing}, ` +
      `resize ${r.metadata.resize}`,
    `  output ${r.outputName} float32 [N, ${k}]: ${output}`,
    ...checkLines(r),
    ...(r.labels ? [`labels: ${r.labels}`] : []),
    `model card: ${r.modelCard}`,
  ].join('\n') + '\n';
}

export const exportCommands: Record<string, CliCommand> = {
  export: {
    summary: "write a saved run's model (backbone + head) as one ONNX or Keras .h5 file with a model card, verified " +
      'against TF.js',
    help:
      `usage: transfer-lab export <run-dir> [--format onnx|keras] [--out FILE] [--verify-images ${EXPORT_VERIFY_IMAGES}] ` +
      '[--batch 32]\n' +
      '         [--engine auto|wasm|cpu|...] [--workers N] [--json]\n' +
      '  --format         onnx: one ONNX graph; keras: a Keras 2 .h5 (Teachable Machine\'s layout) with labels.txt\n' +
      '  --out            the file (default <run-dir>/export/model.onnx or model.h5; the card, and for keras\n' +
      '                   labels.txt, are written beside it)\n' +
      "  --verify-images  the run's validation images the file and TF.js are compared on (0: no check)",
    options: {
      json: { type: 'boolean', default: false },
      format: { type: 'string', default: 'onnx' },
      out: { type: 'string' },
      'verify-images': { type: 'string' },
      batch: { type: 'string' },
      engine: { type: 'string' },
      workers: { type: 'string' },
    },
    async run(v, positionals) {
      if (!positionals[0]) throw new UsageError('a run folder is required');
      if (positionals.length > 1) throw new UsageError(`one run folder, not ${positionals.length} arguments`);
      // flags.ts has checked --format (one of EXPORT_FORMATS) and --verify-images (a number) already.
      const verifyImages = v['verify-images'];
      const r = await runCliJob('export', defined({
        runDir: path.resolve(positionals[0]),
        format: v.format,
        out: typeof v.out === 'string' ? path.resolve(v.out) : undefined,
        verifyImages,
        batch: v.batch,
        engine: v.engine,
        workers: v.workers,
      }));
      if (v.json) printJson(r);
      else process.stdout.write(formatExport(r));
      return 0;
    },
  },
};

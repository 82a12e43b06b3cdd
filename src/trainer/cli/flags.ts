// The CLI's flag values, checked in one place before a command does any work: every number flag with its allowed
// range, every flag with a fixed set of values, and the folder flags. A bad value is a usage error that states what is
// allowed, instead of a tfjs shape error (--size 7) or a raw errno (--runs naming a file) after the engine has loaded
// and a run folder exists.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ENGINES } from '../../core/engineChoice';
import { FROZEN_PREFERENCES } from '../../core/frozenEngineChoice';
import { EXPORT_FORMATS } from '../../core/jobs/exportModel';
import { LAYOUT_KINDS } from '../../core/layoutDetection';
import { RUN_FILES } from '../../core/runFiles';
import { TTA_MODES } from '../../core/testTimeAugmentation';
import { UsageError } from './cliJob';
import { BadInputError } from '../runtime/jobContext';

export interface NumberRange {
  min: number;
  /** Absent: no upper bound. */
  max?: number;
  /** The value must stay below max (a fraction below 1, a clip below 0.5). */
  belowMax?: boolean;
  integer?: boolean;
  /** How the message names the kind of value, when "a number" or "a whole number" says too little. */
  noun?: string;
}

const whole = (min: number, max?: number): NumberRange => ({ min, max, integer: true });
const real = (min: number, max: number, belowMax = false): NumberRange => ({ min, max, belowMax });
const fraction: NumberRange = { min: 0, max: 1, belowMax: true, noun: 'a fraction' };

/**
 * Every number flag of every command. A key "<command> --flag" overrides "--flag" for that command. Each range is at
 * least as strict as the job's own check, so a value the CLI accepts never fails later in the job.
 */
export const NUMBER_FLAGS: Readonly<Record<string, NumberRange>> = {
  '--epochs': whole(1, 10_000),
  '--patience': whole(1, 10_000),
  // The extension's settings (package.json transferLab.batchSize and imageSize) allow the same.
  '--batch': whole(1, 1024),
  '--size': whole(32, 1024),
  // Each variant is cached per training image, besides the original.
  '--augment': whole(0, 100),
  '--lr': real(1e-8, 10),
  // mulberry32 takes 32 bits; prepare's job accepts the same range.
  '--seed': whole(0, 0xffffffff),
  '--max-per-class': whole(1),
  '--max-val-per-class': whole(1),
  '--max-test': whole(1),
  '--samples': whole(0, 100),
  // 0 or 1: the forward passes stay on the job's own thread.
  '--workers': whole(0, 64),
  '--dropout': real(0, 0.95),
  // Kaggle-style clipping: probabilities move into [X, 1 − X], so X must stay below one half.
  '--clip': real(0, 0.5, true),
  '--val': fraction,
  '--train-dev': fraction,
  '--top-losses': whole(0, 1000),
  '--desired-error': real(0, 0.99),
  // Any whole number here: the learning-curve job states its own 1–20 range (config.repeats), before any work.
  '--repeats': whole(-Infinity),
  '--steps': whole(1, 100_000),
  'lr-find --steps': whole(5, 10_000),
  '--start': real(1e-12, 100),
  '--end': real(1e-12, 1000),
  '--sample': whole(4, 10_000),
  // Validation images an export is checked on; 0 turns the check off.
  '--verify-images': whole(0, 100_000),
  // The overlay's long side; the explain job accepts the same.
  'explain --size': whole(16, 4096),
  '--opacity': real(0, 1),
};

/** Flags that take one of a few words. */
export const CHOICE_FLAGS: Readonly<Record<string, readonly string[]>> = {
  '--mode': ['feature-extractor', 'fine-tune'],
  '--resize': ['cover', 'fill', 'contain'],
  '--monitor': ['val_loss', 'val_acc'],
  '--head': ['recipe', 'linear'],
  '--class-weights': ['none', 'balanced'],
  '--engine': ['auto', ...ENGINES],
  '--frozen': FROZEN_PREFERENCES,
  '--preprocessing': ['minus1to1', 'zero1', 'caffe'],
  '--format': EXPORT_FORMATS,
  '--layout': LAYOUT_KINDS,
  '--tta': TTA_MODES,
};

/** Folders a command creates when missing: the path, or its nearest existing parent, must be a folder. */
export const FOLDER_FLAGS: ReadonlySet<string> = new Set(['--runs', '--cache', '--model-cache', '--work']);

const NUMBER_SYNTAX = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

function rangeText(r: NumberRange): string {
  const kind = r.noun ?? (r.integer ? 'a whole number' : 'a number');
  if (r.max === undefined) return r.min === -Infinity ? kind : `${kind} ≥ ${r.min}`;
  return `${kind} from ${r.min} ${r.belowMax ? 'up to (not including)' : 'to'} ${r.max}`;
}

export function rangeOf(command: string, flag: string): NumberRange | undefined {
  return NUMBER_FLAGS[`${command} ${flag}`] ?? NUMBER_FLAGS[flag];
}

/** A number flag's value; a usage error that names the flag and its range when the text is not one. */
export function parseNumber(flag: string, text: string, r: NumberRange): number {
  const n = NUMBER_SYNTAX.test(text.trim()) ? Number(text) : NaN;
  const inRange = n >= r.min && (r.max === undefined || (r.belowMax ? n < r.max : n <= r.max));
  if (!Number.isFinite(n) || !inRange || (r.integer && !Number.isInteger(n))) {
    throw new UsageError(`${flag} must be ${rangeText(r)}, got ${JSON.stringify(text)}`);
  }
  return n;
}

/**
 * The parsed flags with every number flag turned into a number and every choice and folder flag checked. Throws a
 * UsageError (exit 2, with the command's help) or, for a folder that cannot be used, a BadInputError naming it.
 */
export function readFlags(command: string, values: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...values };
  for (const [name, value] of Object.entries(values)) {
    if (typeof value !== 'string') continue;
    const flag = `--${name}`;
    const range = rangeOf(command, flag);
    if (range) out[name] = parseNumber(flag, value, range);
    const choices = CHOICE_FLAGS[flag];
    if (choices && !choices.includes(value)) {
      throw new UsageError(`${flag} must be one of ${choices.join(', ')}, got ${JSON.stringify(value)}`);
    }
    if (FOLDER_FLAGS.has(flag)) checkFolder(flag, value);
  }
  return out;
}

/**
 * node's parseArgs reads "--val -0.1" as a flag without its value followed by an unknown flag "-0.1"; joined as
 * "--val=-0.1" the value reaches the range check, whose message says what is allowed.
 */
export function joinNegativeValues(args: readonly string[], options: Record<string, { type: string }>): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '--') return [...out, ...args.slice(i)];
    const next = args[i + 1];
    const takesValue = a.startsWith('--') && options[a.slice(2)]?.type === 'string';
    if (takesValue && next !== undefined && /^-(\d|\.\d)/.test(next)) {
      out.push(`${a}=${next}`);
      i++;
    } else out.push(a);
  }
  return out;
}

function errnoOf(e: unknown): string | undefined {
  return (e as NodeJS.ErrnoException | undefined)?.code;
}

/** A folder the command will create if needed: the path, or its nearest existing parent, must be a folder. */
export function checkFolder(flag: string, value: string): string {
  const dir = path.resolve(value);
  for (let p = dir; ; p = path.dirname(p)) {
    let stat: fs.Stats;
    try {
      stat = fs.statSync(p);
    } catch (e) {
      const code = errnoOf(e);
      if ((code === 'ENOENT' || code === 'ENOTDIR') && path.dirname(p) !== p) continue;
      const why = code === 'EACCES' ? 'permission denied' : (e as Error).message;
      throw new BadInputError(`${flag} ${dir} cannot be used: ${why}`, p);
    }
    if (stat.isDirectory()) return dir;
    const what = p === dir ? `${flag} ${dir} is a file` : `${flag} ${dir} is inside ${p}, which is a file`;
    throw new BadInputError(`${what}, not a folder`, p, `Name a folder for ${flag}.`);
  }
}

/** A completed run to start from: an existing folder that holds run.json. */
export function checkRunFolder(flag: string, value: string): string {
  const dir = path.resolve(value);
  const hint = 'Pass a run folder, e.g. .transfer-lab/runs/<id>; `transfer-lab runs` lists them.';
  let stat: fs.Stats;
  try {
    stat = fs.statSync(dir);
  } catch (e) {
    const code = errnoOf(e);
    const why = code === 'ENOENT' || code === 'ENOTDIR' ? 'does not exist'
      : code === 'EACCES' ? 'cannot be read: permission denied' : (e as Error).message;
    throw new BadInputError(`${flag} ${dir} ${why}`, dir, hint);
  }
  if (!stat.isDirectory()) throw new BadInputError(`${flag} ${dir} is a file, not a folder`, dir, hint);
  if (!fs.existsSync(path.join(dir, RUN_FILES.record))) {
    throw new BadInputError(`${flag} ${dir} is not a run folder: no run.json`, dir, hint);
  }
  return dir;
}

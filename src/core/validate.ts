// A tiny runtime validator for messages that cross a process or webview boundary.
// src/core may import nothing outside itself, so this stands in for a schema library.

export type Check<T> = (value: unknown, path: string) => T;

export class ValidationError extends Error {
  constructor(readonly path: string, readonly expected: string, readonly got: unknown) {
    super(`${path}: expected ${expected}, got ${describe(got)}`);
    this.name = 'ValidationError';
  }
}

function describe(v: unknown): string {
  if (v === null || v === undefined) return String(v);
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'string') return `"${v.length > 40 ? v.slice(0, 40) + '…' : v}"`;
  return typeof v === 'object' ? 'object' : `${typeof v} ${String(v)}`;
}

export const str: Check<string> = (v, p) => {
  if (typeof v !== 'string') throw new ValidationError(p, 'string', v);
  return v;
};
export const num: Check<number> = (v, p) => {
  if (typeof v !== 'number' || Number.isNaN(v)) throw new ValidationError(p, 'number', v);
  return v;
};
/** Like num, but NaN is allowed: metrics such as AUC can be undefined on a batch. */
export const metric: Check<number> = (v, p) => {
  if (typeof v !== 'number') throw new ValidationError(p, 'number', v);
  return v;
};
export const bool: Check<boolean> = (v, p) => {
  if (typeof v !== 'boolean') throw new ValidationError(p, 'boolean', v);
  return v;
};
export const unknownValue: Check<unknown> = (v) => v;
export const isTrue: Check<true> = (v, p) => {
  if (v !== true) throw new ValidationError(p, 'true', v);
  return true;
};

/** What a check gives: the type of a shape's checked value, e.g. a job's config as sent. */
export type Checked<C> = C extends Check<infer T> ? T : never;

/** A whole number from lo to hi (hi Infinity: no upper bound). */
export function wholeIn(lo: number, hi = Infinity): Check<number> {
  const expected = hi === Infinity ? `a whole number ≥ ${lo}` : `a whole number from ${lo} to ${hi}`;
  return (v, p) => {
    const n = num(v, p);
    if (!Number.isInteger(n) || n < lo || n > hi) throw new ValidationError(p, expected, v);
    return n;
  };
}

/** A number from lo to hi, or up to (not including) hi; `noun` names the kind of value ("a fraction"). */
export function numberIn(lo: number, hi: number, o: { belowMax?: boolean; noun?: string } = {}): Check<number> {
  const expected = `${o.noun ?? 'a number'} from ${lo} ${o.belowMax ? 'up to (not including)' : 'to'} ${hi}`;
  return (v, p) => {
    const n = num(v, p);
    if (!(n >= lo && (o.belowMax ? n < hi : n <= hi))) throw new ValidationError(p, expected, v);
    return n;
  };
}

export function literal<T extends string | number>(...values: T[]): Check<T> {
  return (v, p) => {
    if (!values.includes(v as T)) throw new ValidationError(p, values.map((x) => JSON.stringify(x)).join(' | '), v);
    return v as T;
  };
}

export function optional<T>(check: Check<T>): Check<T | undefined> {
  return (v, p) => (v === undefined ? undefined : check(v, p));
}

export function nullable<T>(check: Check<T>): Check<T | null> {
  return (v, p) => (v === null ? null : check(v, p));
}

/** A fixed-length array, such as a [from, to] pair. */
export function tuple<T extends unknown[]>(...checks: { [K in keyof T]: Check<T[K]> }): Check<T> {
  return (v, p) => {
    if (!Array.isArray(v) || v.length !== checks.length) {
      throw new ValidationError(p, `an array of ${checks.length}`, v);
    }
    return checks.map((check, i) => check(v[i], `${p}[${i}]`)) as T;
  };
}

export function arrayOf<T>(check: Check<T>): Check<T[]> {
  return (v, p) => {
    if (!Array.isArray(v)) throw new ValidationError(p, 'array', v);
    return v.map((item, i) => check(item, `${p}[${i}]`));
  };
}

export function recordOf<T>(check: Check<T>): Check<Record<string, T>> {
  return (v, p) => {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new ValidationError(p, 'object', v);
    const out: Record<string, T> = {};
    for (const [k, item] of Object.entries(v)) out[k] = check(item, `${p}.${k}`);
    return out;
  };
}

type Shape = Record<string, Check<unknown>>;
type FromShape<S extends Shape> = {
  [K in keyof S as undefined extends ReturnType<S[K]> ? never : K]: ReturnType<S[K]>;
} & {
  [K in keyof S as undefined extends ReturnType<S[K]> ? K : never]?: ReturnType<S[K]>;
};

/** Checks the listed fields and keeps only them, so unknown extra fields never leak through a boundary. */
export function object<S extends Shape>(shape: S): Check<FromShape<S>> {
  return (v, p) => {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new ValidationError(p, 'object', v);
    const src = v as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    for (const [k, check] of Object.entries(shape)) {
      const value = check(src[k], `${p}.${k}`);
      if (value !== undefined) out[k] = value;
    }
    return out as FromShape<S>;
  };
}

/** A shape that lists every field of T, each with a check that gives that field's type. */
export type ShapeOf<T> = { [K in keyof T]-?: Check<T[K]> };

/**
 * object() for a type written out as an interface (a job's result): the compiler makes the shape list every field
 * of T, so none is silently dropped where the value crosses a boundary, and checks each field's type.
 */
export function objectOf<T extends object>(shape: ShapeOf<T>): Check<T> {
  const check: Check<unknown> = object(shape as Shape);
  return (v, p) => check(v, p) as T;
}

// Turns what the trainer learned about each image (hash, metadata, a full decode) into findings a person can act on.
// Every finding names its files; a file that cannot be used is skipped with its own message, and the run goes on.
import type { DatasetFinding } from './protocol';

export type ScanProblemCode =
  'unreadable' | 'empty-file' | 'not-an-image' | 'unsupported-format' | 'truncated' | 'undecodable';

/** What the trainer's image scan records for one file. */
export interface ImageScan {
  bytes: number;
  sha256?: string;
  format?: string;
  width?: number;
  height?: number;
  /** Frames in an animated GIF or WebP. */
  pages?: number;
  /** EXIF orientation, 1–8; anything but 1 means the pixels are stored rotated or mirrored. */
  orientation?: number;
  channels?: number;
  space?: string;
  hasAlpha?: boolean;
  bitsPerSample?: number;
  /** 64-bit difference hash as 16 hex digits, for near-duplicate search. */
  dhash?: string;
  /** `hint` replaces the code's usual hint when the cause is known better (a name that is not UTF-8). */
  problem?: { code: ScanProblemCode; detail: string; hint?: string };
}

export type Finding = DatasetFinding;

export const TINY_SIDE = 32;
export const EXTREME_ASPECT = 3;
export const IMBALANCE_RATIO = 1.5;
export const SMALL_CLASS = 10;

const PROBLEM_HINTS: Record<ScanProblemCode, string> = {
  'unreadable': 'Check that it is a regular file you can read; broken links and folders named like images end up here.',
  'empty-file': 'The download or copy probably failed; fetch the file again or delete it.',
  'not-an-image': 'It may be an error page or a text file saved with an image name; re-download it or delete it.',
  'unsupported-format': 'Convert it to JPEG or PNG (any image editor, or: npx sharp-cli -i in.bmp -o out.png).',
  'truncated': 'The file ends early (an interrupted download or copy); fetch it again or delete it.',
  'undecodable': 'Open it in an image viewer to check; re-export it as JPEG or PNG, or delete it.',
};

/** The message for a file that is skipped. `rel` is the path the user knows the file by. */
export function problemFinding(rel: string, problem: NonNullable<ImageScan['problem']>, format?: string): Finding {
  const kind = format ? format.toUpperCase() : 'image';
  const text: Record<ScanProblemCode, string> = {
    'unreadable': `Cannot read ${rel}: ${problem.detail}. Skipped.`,
    'empty-file': `${rel} is empty (0 bytes). Skipped.`,
    'not-an-image': `${rel} is not an image, although its name says so (${problem.detail}). Skipped.`,
    'unsupported-format': `${rel} is ${problem.detail}, which Transfer Lab cannot read. Skipped.`,
    'truncated': `Cannot decode ${rel}: truncated ${kind} (${problem.detail}). Skipped.`,
    'undecodable': `Cannot decode ${rel}: ${problem.detail}. Skipped.`,
  };
  return {
    code: problem.code, severity: 'error', message: text[problem.code], files: [rel],
    hint: problem.hint ?? PROBLEM_HINTS[problem.code],
  };
}

interface NoteRule {
  code: string;
  severity: Finding['severity'];
  applies(s: ImageScan): string | false;
  message(n: number, list: string): string;
  hint?: string;
}

const ORIENTATION: Record<number, string> = {
  2: 'mirrored',
  3: 'rotated 180°',
  4: 'flipped',
  5: 'mirrored and rotated',
  6: 'rotated 90°',
  7: 'mirrored and rotated',
  8: 'rotated 270°',
};

const plural = (n: number, one: string, many: string) => (n === 1 ? one : many);

const NOTE_RULES: NoteRule[] = [
  {
    code: 'animated',
    severity: 'info',
    applies: (s) => ((s.pages ?? 1) > 1 ? `${s.pages} frames` : false),
    message: (n, list) =>
      `${n} ${plural(n, 'image is', 'images are')} animated; only the first frame is used: ${list}.`,
    hint: 'If other frames matter, export them as separate images.',
  },
  {
    code: 'tiny',
    severity: 'warning',
    applies: (s) =>
      s.width !== undefined && s.height !== undefined && Math.min(s.width, s.height) < TINY_SIDE
        ? `${s.width}×${s.height}`
        : false,
    message: (n, list) =>
      `${n} ${plural(n, 'image is', 'images are')} smaller than ${TINY_SIDE} px on a side and will be enlarged a lot: ${list}.`,
    hint: 'Icons or tracking pixels often hide in scraped data; delete them if they are not real examples.',
  },
  {
    code: 'extreme-aspect',
    severity: 'warning',
    applies: (s) => {
      if (!s.width || !s.height) return false;
      const r = Math.max(s.width / s.height, s.height / s.width);
      return r > EXTREME_ASPECT ? `${s.width}×${s.height}` : false;
    },
    message: (n, list) =>
      `${n} ${plural(n, 'image is', 'images are')} more than ${EXTREME_ASPECT}:1 wide or tall; a square crop keeps little of ${plural(n, 'it', 'them')}: ${list}.`,
    hint: 'Crop them around the subject, or check they are not banners or strips.',
  },
  {
    code: 'exif-orientation',
    severity: 'info',
    applies: (s) =>
      s.orientation && s.orientation > 1 ? (ORIENTATION[s.orientation] ?? `orientation ${s.orientation}`) : false,
    message: (n, list) =>
      `${n} ${plural(n, 'image carries', 'images carry')} an EXIF rotation and ${plural(n, 'is', 'are')} turned upright when loaded: ${list}.`,
  },
  {
    code: 'grayscale',
    severity: 'info',
    applies: (s) =>
      s.space === 'b-w' || s.space === 'grey16' || (s.channels !== undefined && s.channels - (s.hasAlpha ? 1 : 0) === 1)
        ? 'grayscale'
        : false,
    message: (n, list) =>
      `${n} ${plural(n, 'image is', 'images are')} grayscale and ${plural(n, 'is', 'are')} converted to RGB when loaded: ${list}.`,
  },
  {
    code: 'cmyk',
    severity: 'info',
    applies: (s) => (s.space === 'cmyk' ? 'CMYK' : false),
    message: (n, list) =>
      `${n} ${plural(n, 'image is', 'images are')} CMYK (print colours) and ${plural(n, 'is', 'are')} converted to RGB when loaded; colours may shift slightly: ${list}.`,
  },
  {
    code: 'alpha',
    severity: 'info',
    applies: (s) => (s.hasAlpha ? 'transparency' : false),
    message: (n, list) =>
      `${n} ${plural(n, 'image has', 'images have')} transparency, which is flattened away when loaded: ${list}.`,
  },
  {
    code: 'high-bit-depth',
    severity: 'info',
    applies: (s) => (s.bitsPerSample && s.bitsPerSample > 8 ? `${s.bitsPerSample}-bit` : false),
    message: (n, list) =>
      `${n} ${plural(n, 'image has', 'images have')} more than 8 bits per channel and ${plural(n, 'is', 'are')} reduced to 8 bits when loaded: ${list}.`,
  },
];

export const listFiles = (items: string[], max = 5): string =>
  items.slice(0, max).join(', ') + (items.length > max ? `, and ${items.length - max} more` : '');

/** Notes about usable images that are converted or worth a look, one finding per kind, each naming its files. */
export function imageNotes(scans: { rel: string; scan: ImageScan }[]): Finding[] {
  const out: Finding[] = [];
  for (const rule of NOTE_RULES) {
    const hits: { rel: string; detail: string }[] = [];
    for (const { rel, scan } of scans) {
      if (scan.problem) continue;
      const detail = rule.applies(scan);
      if (detail) hits.push({ rel, detail });
    }
    if (!hits.length) continue;
    const list = listFiles(hits.map((h) => `${h.rel} (${h.detail})`));
    out.push({
      code: rule.code,
      severity: rule.severity,
      message: rule.message(hits.length, list),
      files: hits.map((h) => h.rel),
      ...(rule.hint ? { hint: rule.hint } : {}),
    });
  }
  return out;
}

/** Imbalance and tiny classes, judged on the images that will actually be used. */
export function classNotes(perClass: Record<string, number>): Finding[] {
  const entries = Object.entries(perClass);
  const out: Finding[] = [];
  if (entries.length >= 2) {
    const [maxC, maxN] = entries.reduce((a, b) => (b[1] > a[1] ? b : a));
    const [minC, minN] = entries.reduce((a, b) => (b[1] < a[1] ? b : a));
    const ratio = minN > 0 ? maxN / minN : Infinity;
    if (ratio >= IMBALANCE_RATIO) {
      out.push({
        code: 'class-imbalance',
        severity: 'warning',
        files: [],
        message: `Classes are imbalanced ${Number.isFinite(ratio) ? ratio.toFixed(1) : '∞'}:1: "${maxC}" has ${maxN} images, "${minC}" has ${minN}. Accuracy will flatter the larger class.`,
        hint: 'Add images to the small class, cap the large one (--max-per-class), or watch per-class recall rather than accuracy.',
      });
    }
  }
  const small = entries.filter(([, n]) => n < SMALL_CLASS);
  if (small.length) {
    out.push({
      code: 'small-class',
      severity: 'warning',
      files: [],
      message: `${plural(small.length, 'Class', 'Classes')} ${small.map(([c, n]) => `"${c}" (${n})`).join(', ')} ${plural(small.length, 'has', 'have')} fewer than ${SMALL_CLASS} usable images; training and validation on ${plural(small.length, 'it', 'them')} will be noisy.`,
      hint: 'Aim for at least a few dozen images per class.',
    });
  }
  return out;
}

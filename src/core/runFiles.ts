// The names of what a run folder and the workspace's .transfer-lab folder hold, in one place: the trainer writes
// them, the extension and the CLI read them back, and a name spelt two ways would be a file nobody finds.

/** The workspace folder Transfer Lab keeps its runs and caches in, and the folders inside it. */
export const LAB_DIR = '.transfer-lab';
export const RUNS_DIR = 'runs';
export const CACHE_DIR = 'cache';
/** Where `demo` puts the prepared copies of the folders it is given. */
export const DATASETS_DIR = 'datasets';
/** Dashboard thumbnails: in the cache folder the extension names, else in the run's own folder. */
export const THUMBNAILS_DIR = 'thumbnails';

/** A run folder's contents (runs/<id>/…). */
export const RUN_FILES = {
  /** The run record: status, config, epochs, the sha256 of every weight file. */
  record: 'run.json',
  /** The full inference model: backbone + head as one layers model. */
  model: 'model',
  head: 'head',
  /** The best epoch's weights, saved as training goes. */
  checkpoint: 'checkpoint',
  /** The backbone's layer table, for the Layers tab and "Fine-tune from here". */
  layers: 'layers.json',
  /** What `lr-find --from` found for fine-tuning this run. */
  lrFind: 'lr-find.json',
  /** Saved dashboard events (grids, evaluation), replayed by "Open in Dashboard". */
  dashboard: 'dashboard',
  evaluation: 'evaluation.json',
  /** The saved model's val probabilities, recorded when the run completed. */
  valPredictions: 'val-predictions.json',
  /** predict's default output. */
  predictions: 'predictions.csv',
  thumbnails: THUMBNAILS_DIR,
  /** `export`'s default folder: the exported files and their model cards (EXPORT_FILES). */
  export: 'export',
} as const;

/** What `export` writes into <run>/export/ unless told otherwise. */
export const EXPORT_FILES = {
  onnx: 'model.onnx',
  /** The ONNX file's model card beside it; for an --out elsewhere, `<name>.README.md` (see modelCardName). */
  card: 'README.md',
  /** `--format keras`: a Keras 2 full-model HDF5 file, its card `model.h5.README.md` beside it. */
  keras: 'model.h5',
  /** Beside a Keras file, Teachable Machine's class list ("0 cat" per line), which Keras code reads with it. */
  labels: 'labels.txt',
} as const;

/** A Keras model file: `.h5`/`.hdf5` (Keras 2) or `.keras` (Keras 3). */
export function isKerasFileName(p: string): boolean {
  return /\.(h5|hdf5|keras)$/i.test(p);
}

/** A model file that jobs take in place of a run folder: a Keras file or a TF.js `model.json`. */
export function isModelFileName(p: string): boolean {
  return isKerasFileName(p) || /(^|[\\/])model\.json$/.test(p);
}

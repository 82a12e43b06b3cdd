// What the prediction preview shows, as a small state machine the extension drives: the run choice, a
// classification starting, its progress, its result or its error. Kept pure (the host passes in how a path
// becomes a webview URI) so every transition is tested without VS Code.
import type { ExplainItem, ExplainResult } from './jobs/explain';
import type { PreviewImage, PreviewState } from './previewProtocol';
import type { RunChoice } from './runChoice';

/** The explain job's result as the preview reads it (the run it asked for is its own). */
export type ExplainOutcome = Omit<ExplainResult, 'runDir'>;

/** How the host turns paths into URIs the webview may load. */
export interface PreviewUris {
  /** The original image (the host adds a version, so an edited file is loaded again). */
  image(file: string): string;
  overlay(file: string): string;
}

const NO_RUNS = 'No completed run in this workspace yet. Train a feature extractor, then open the image again.';

export class PreviewModel {
  private runs: RunChoice[] = [];
  private runDir: string | undefined;
  /** The person picked the run: it stays while listed. Until then the view follows the best run as runs come and go. */
  private pinned = false;
  private classes: string[] = [];
  private images: PreviewImage[];
  private skipped: PreviewState['skipped'] = [];
  private status: PreviewState['status'] = { kind: 'running', message: 'Looking for runs…' };

  /** `files` are what the person opened: one image (single), or images and folders (grid). */
  constructor(
    private readonly mode: PreviewState['mode'],
    private readonly title: string,
    private readonly files: readonly string[],
    private readonly uris: PreviewUris,
  ) {
    // Folders are listed by the trainer; until it answers, the grid shows the files that were named.
    this.images = mode === 'single' ? files.slice(0, 1).map((f) => this.unclassified(f)) : [];
  }

  get state(): PreviewState {
    return {
      mode: this.mode, title: this.title, runs: this.runs, ...(this.runDir ? { runDir: this.runDir } : {}),
      classes: this.classes, images: this.images, skipped: this.skipped, status: this.status,
    };
  }

  get chosenRun(): string | undefined {
    return this.runDir;
  }

  /**
   * The runs to choose from (best first). A run the person picked stays chosen while it is listed; otherwise the
   * best, so a better run trained while the view is open takes over. Returns whether the chosen run changed (then
   * the images must be classified again).
   */
  setRuns(runs: RunChoice[]): boolean {
    this.runs = runs;
    const before = this.runDir;
    const keep = this.pinned && runs.some((r) => r.runDir === before);
    this.runDir = keep ? before : runs[0]?.runDir;
    if (!keep) this.pinned = false;
    if (!this.runDir) this.status = { kind: 'no-runs', message: NO_RUNS };
    return this.runDir !== before;
  }

  /** The person picked a run; false when it is not one of the listed runs or already the chosen one. */
  chooseRun(runDir: string): boolean {
    if (runDir === this.runDir || !this.runs.some((r) => r.runDir === runDir)) return false;
    this.runDir = runDir;
    this.pinned = true;
    return true;
  }

  /** A classification starts: the images keep their last result until the new one replaces it. */
  started(): void {
    this.status = { kind: 'running', message: 'Classifying…' };
    if (this.mode === 'single') this.images = this.images.map((i) => ({ ...i, src: this.uris.image(i.file) }));
  }

  progress(phase: string, done: number, total: number): void {
    if (this.status.kind !== 'running') return;
    this.status = { kind: 'running', message: `${phase} ${done}/${total}`, done, total };
  }

  finished(outcome: ExplainOutcome): void {
    this.classes = outcome.classes;
    this.skipped = outcome.skipped;
    const explained = outcome.items.map((item) => ({ ...this.unclassified(item.file), ...this.classified(item) }));
    if (this.mode === 'grid') {
      this.images = explained;
    } else {
      const file = this.files[0];
      const match = explained.find((i) => i.file === file) ?? (explained.length === 1 ? explained[0] : undefined);
      if (!match) {
        const why = outcome.skipped.find((s) => s.file === file || outcome.skipped.length === 1);
        this.images = [this.unclassified(file)];
        this.status = {
          kind: 'error', file,
          message: `${baseName(file)} could not be classified: ${why?.reason ?? 'the trainer returned no result for it'}`,
        };
        return;
      }
      this.images = [{ ...match, file }];
    }
    if (outcome.items.length === 0 && this.mode === 'grid') {
      this.status = {
        kind: 'error',
        message: outcome.skipped.length
          ? `None of the ${outcome.skipped.length} files could be classified (see the list below).`
          : 'No images (.jpg, .jpeg, .png, .webp) were found.',
      };
      return;
    }
    this.status = { kind: 'done', seconds: outcome.seconds, layer: outcome.layer };
  }

  failed(message: string, hint?: string, file?: string): void {
    this.status = { kind: 'error', message, ...(hint ? { hint } : {}), ...(file ? { file } : {}) };
  }

  private unclassified(file: string): PreviewImage {
    return { file, name: baseName(file), src: this.uris.image(file) };
  }

  private classified(item: ExplainItem): Partial<PreviewImage> {
    return {
      overlay: this.uris.overlay(item.overlay), probabilities: item.probabilities, predicted: item.predicted,
      probability: item.probability, peak: item.peak,
    };
  }
}

function baseName(file: string): string {
  return file.split(/[\\/]/).pop() || file;
}

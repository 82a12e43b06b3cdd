// Which saved run classifies an image when the person has not chosen one: the prediction preview's run picker
// lists the completed runs (as the Saved Models view shows them) and starts on the best of them.
import type { ListedRun } from './runListing';

/** One entry of a run picker: what the person reads, and the run folder it stands for. */
export interface RunChoice {
  runDir: string;
  label: string;
  /** "feature-extractor · mobilenet_v2 · val_acc 0.953" */
  description: string;
  valAcc?: number;
}

/**
 * The best completed run: the highest best val_acc; a run that never recorded one (it trained no epoch it kept)
 * comes after every run that did; ties go to the newest, the one the person most likely means.
 */
export function bestRun(runs: readonly ListedRun[]): ListedRun | undefined {
  const completed = runs.filter((r) => r.status === 'completed');
  const score = (r: ListedRun) => r.record.best?.valAcc ?? -Infinity;
  return [...completed].sort(
    (a, b) => score(b) - score(a) || b.record.createdAt.localeCompare(a.record.createdAt),
  )[0];
}

/** The completed runs as picker entries, the best first, then newest first. */
export function runChoices(runs: readonly ListedRun[]): RunChoice[] {
  const best = bestRun(runs);
  const rest = runs
    .filter((r) => r.status === 'completed' && r !== best)
    .sort((a, b) => b.record.createdAt.localeCompare(a.record.createdAt));
  return (best ? [best, ...rest] : rest).map((r) => {
    const valAcc = r.record.best?.valAcc;
    const parts = [r.record.mode, lastSegment(r.record.backbone), ...(valAcc === undefined ? [] : [`val_acc ${valAcc.toFixed(3)}`])];
    return {
      runDir: r.dir,
      label: r === best ? `${r.record.id} (best)` : r.record.id,
      description: parts.join(' · '),
      ...(valAcc === undefined ? {} : { valAcc }),
    };
  });
}

/** A backbone given as a local path reads as its folder or file name; a zoo id is left as it is. */
function lastSegment(name: string): string {
  return name.split(/[\\/]/).filter(Boolean).pop() ?? name;
}

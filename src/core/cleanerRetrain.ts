// The cleaner's Retrain: a new feature extractor on the cleaned dataset with the settings of the run whose images were
// marked, read from that run's run.json. Where runs go and which engine runs them are this machine's (the caller's);
// the cache folder is the run's own, because that is where its vectors are: the retrain computes no embedding.
import type { TrainConfigInput } from './jobs/train';
import { train } from './jobs/train';

/** The settings of a run that a retrain repeats; the rest of its config (mode, from, overrides…) is its own. */
const REPEATED = [
  'cut', 'epochs', 'patience', 'batch', 'size', 'resize', 'augment', 'lr', 'seed', 'monitor', 'head', 'dropout',
  'classWeights', 'maxPerClass', 'cacheDir',
] as const;
/** What a fine-tune takes from the feature extractor it started from (withSourceRun in the trainer's train job). */
const FROM_SOURCE = ['backbone', 'cut', 'size', 'resize'] as const;

/**
 * The feature-extractor config that retrains `dataset` as the run with `config` trained (a fine-tune's backbone comes
 * from `sourceConfig`, the run it started from). A value that is not a train setting throws a ValidationError naming
 * it under `what` (the run.json it came from).
 */
export function retrainConfig(
  dataset: string, config: Record<string, unknown>, sourceConfig: Record<string, unknown> | undefined, what: string,
): TrainConfigInput & { mode: 'feature-extractor'; dataset: string; backbone: string } {
  const picked: Record<string, unknown> = {};
  for (const k of REPEATED) if (config[k] !== undefined) picked[k] = config[k];
  if (config.mode === 'fine-tune' && sourceConfig) {
    for (const k of FROM_SOURCE) if (sourceConfig[k] !== undefined) picked[k] = sourceConfig[k];
  } else if (config.backbone !== undefined) picked.backbone = config.backbone;
  // A fine-tune's lr and epochs are SGD's for the backbone's top; a new head trains with the recipe's Adam defaults.
  if (config.mode === 'fine-tune') for (const k of ['lr', 'epochs', 'patience'] as const) delete picked[k];
  const checked = train.input({ ...picked, mode: 'feature-extractor', dataset }, what);
  if (typeof checked.backbone !== 'string') {
    throw new Error(`${what} names no backbone${config.mode === 'fine-tune' ? ' (nor does the run it fine-tuned)' : ''}`);
  }
  return { ...checked, mode: 'feature-extractor', dataset, backbone: checked.backbone };
}

// The `advise` job's contract: a dataset and a backbone to measure before any training, and the strategy advice
// (one of the four transfer-learning scenarios) with its evidence.
import { evidence, recommendation } from '../messageParts';
import {
  SCENARIOS, type ImagenetEvidence, type ProbeEvidence, type StrategyAdvice,
} from '../strategyAdvice';
import {
  arrayOf, bool, literal, metric, nullable, num, object, objectOf, optional, str, wholeIn, type Checked,
} from '../validate';
import type { JobContract, JobDefaults } from './contract';
import { embeddingFields, embeddingSettingsOf, HEAD_KINDS, type EmbeddingSettings } from './fields';

const input = object({
  dataset: str, backbone: str, ...embeddingFields, earlyCut: optional(str), sample: optional(wholeIn(4, 10_000)),
});
export type AdviseConfigInput = Checked<typeof input>;

export interface AdviseConfig extends EmbeddingSettings {
  /** Prepared dataset folder (holding dataset.json). */
  dataset: string;
  backbone: string;
  /** Layer for the earlier probe; default about halfway up the backbone. */
  earlyCut?: string;
  /** Images per class drawn for the probes and the ImageNet predictions. */
  sample: number;
}

export function parseAdviseConfig(raw: unknown, defaults: Pick<JobDefaults, 'cacheDir'>): AdviseConfig {
  const c = input(raw, 'config');
  return {
    ...embeddingSettingsOf(c, defaults), dataset: c.dataset, backbone: c.backbone, earlyCut: c.earlyCut,
    sample: c.sample ?? 60,
  };
}

export interface AdviseResult {
  advice: StrategyAdvice; imagesPerClass: number; classes: string[]; imagenet?: ImagenetEvidence; probe?: ProbeEvidence;
  engine: string; seconds: number;
}

export const advise: JobContract<AdviseConfigInput, AdviseConfig, AdviseResult> = {
  input,
  config: parseAdviseConfig,
  result: objectOf<AdviseResult>({
    advice: objectOf<StrategyAdvice>({
      kind: literal('strategy'), label: literal(...SCENARIOS), summary: str, evidence: arrayOf(evidence),
      recommendations: arrayOf(recommendation), moreDataLikelyHelps: optional(bool), large: bool, similar: bool,
      cut: str, unfreezeFrom: nullable(str), head: literal(...HEAD_KINDS),
    }),
    imagesPerClass: num, classes: arrayOf(str),
    imagenet: optional(objectOf<ImagenetEvidence>({ samples: num, top1: metric, top5: metric, entropy: metric })),
    probe: optional(objectOf<ProbeEvidence>({
      train: num, test: num, topCut: str, topAcc: metric, earlyCut: str, earlyAcc: metric, chance: num,
    })),
    engine: str, seconds: num,
  }),
};

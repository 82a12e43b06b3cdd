// The strategy advisor's rules (CS231n, "Transfer Learning"): dataset size × similarity to ImageNet picks one of
// four scenarios. Size is images per class; similarity is measured, not assumed: from the backbone's own ImageNet
// predictions on a sample, and from linear probes on features cut at two depths.
import type { Evidence, GuidanceEvent, Recommendation } from './protocol';
import { blockAt } from './zooLadder';

export const SCENARIOS = ['small-similar', 'small-different', 'large-similar', 'large-different'] as const;
export type Scenario = (typeof SCENARIOS)[number];

/** From this many training images per class, fine-tuning has enough data not to overfit a pretrained network. */
export const LARGE_PER_CLASS = 1000;
/**
 * Mean probability mass in the backbone's top-5 ImageNet classes above which the images look like ImageNet.
 * Measured with mobilenet_v1_0.25 (120–240 images each): dogs-vs-cats 0.76, grayscale stripes 0.65, grayscale
 * noise 0.56, flowers 0.39 (only daisy is an ImageNet class). A weak signal for a small backbone, which is why
 * the linear probes decide whenever both were measured.
 */
export const IMAGENET_TOP5_SIMILAR = 0.7;
/** Top features count as good as earlier ones within this accuracy (about one image in a 60-image probe). */
export const PROBE_MARGIN = 0.02;

export interface ImagenetEvidence { samples: number; top1: number; top5: number; entropy: number }
export interface ProbeEvidence {
  train: number;
  test: number;
  topCut: string;
  topAcc: number;
  earlyCut: string;
  earlyAcc: number;
  chance: number;
}
export interface StrategyInput {
  imagesPerClass: number;
  classes: number;
  imagenet?: ImagenetEvidence;
  probe?: ProbeEvidence;
}
export interface StrategyContext {
  dataset?: string;
  backbone?: string;
  topCut: string;
  earlyCut?: string;
  blocks: readonly string[];
}

export type StrategyAdvice = Omit<GuidanceEvent, 'type'> & {
  kind: 'strategy';
  label: Scenario;
  large: boolean;
  similar: boolean;
  cut: string;
  unfreezeFrom: string | null;
  head: 'linear' | 'recipe';
};

interface Similarity { similar: boolean; why: string }

export function similarityOf(input: Pick<StrategyInput, 'imagenet' | 'probe'>): Similarity {
  const { imagenet, probe } = input;
  const byImagenet = imagenet && imagenet.top5 >= IMAGENET_TOP5_SIMILAR;
  const byProbe = probe && probe.topAcc >= probe.earlyAcc - PROBE_MARGIN;
  const probeWhy =
    probe &&
    (byProbe
      ? `the top features (${probe.topCut}) separate your classes at least as well as earlier ones (${pct(probe.topAcc)} vs ${pct(probe.earlyAcc)})`
      : `earlier features (${probe.earlyCut}) separate your classes better than the top ones (${pct(probe.earlyAcc)} vs ${pct(probe.topAcc)})`);
  const imagenetWhy =
    imagenet &&
    (byImagenet
      ? `the backbone recognises ImageNet classes in your images (top-5 mass ${pct(imagenet.top5)})`
      : `the backbone is unsure what ImageNet class your images are (top-5 mass ${pct(imagenet.top5)}, entropy ${imagenet.entropy.toFixed(2)})`);
  if (probe && imagenet && byProbe !== byImagenet) {
    // The probe measures the very task at hand; ImageNet confidence only hints at it.
    return { similar: byProbe!, why: `${probeWhy}, although ${imagenetWhy}` };
  }
  if (probe || imagenet)
    return { similar: (byProbe ?? byImagenet)!, why: [probeWhy, imagenetWhy].filter(Boolean).join(', and ') };
  throw new Error(
    'similarity to ImageNet could not be measured: the backbone has neither a 1000-class top nor two layers to probe',
  );
}

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;

export function adviseStrategy(input: StrategyInput, ctx: StrategyContext): StrategyAdvice {
  const large = input.imagesPerClass >= LARGE_PER_CLASS;
  const { similar, why } = similarityOf(input);
  const label: Scenario = `${large ? 'large' : 'small'}-${similar ? 'similar' : 'different'}`;
  const cut = !large && !similar && ctx.earlyCut ? ctx.earlyCut : ctx.topCut;
  // Similar data: the upper half adapts; different data: everything from the first block, still from pretrained weights.
  const unfreezeFrom = large ? blockAt(ctx.blocks, similar ? 0.5 : 0) ?? null : null;
  const head = large ? 'recipe' : 'linear';
  const size = `${input.imagesPerClass} training images per class (large from ${LARGE_PER_CLASS})`;
  const plan: Record<Scenario, string> = {
    'small-similar': `a linear classifier on the top features (${cut}), with the backbone frozen`,
    'small-different': `a linear classifier on earlier features (${cut}), which are less specific to ImageNet`,
    'large-similar': `a feature extractor, then fine-tuning through the network from ${unfreezeFrom}`,
    'large-different': `a feature extractor, then fine-tuning the whole network from ${unfreezeFrom}, starting from the pretrained weights`,
  };
  const evidence: Evidence[] = [
    {
      name: 'images per class',
      value: input.imagesPerClass,
      note: `smallest class in training; large from ${LARGE_PER_CLASS}`,
    },
    { name: 'classes', value: input.classes },
  ];
  if (input.imagenet) {
    const i = input.imagenet;
    evidence.push(
      { name: 'ImageNet top-1 confidence', value: i.top1, note: `mean over ${i.samples} images` },
      { name: 'ImageNet top-5 mass', value: i.top5, note: `similar from ${IMAGENET_TOP5_SIMILAR}` },
      { name: 'ImageNet entropy', value: i.entropy, note: '0: one class, 1: all 1000 equally likely' },
    );
  }
  if (input.probe) {
    const p = input.probe;
    evidence.push(
      {
        name: `probe accuracy at ${p.topCut}`,
        value: p.topAcc,
        note: `linear probe, ${p.train} training / ${p.test} test images`,
      },
      { name: `probe accuracy at ${p.earlyCut}`, value: p.earlyAcc, note: 'the same probe on earlier features' },
      { name: 'chance accuracy', value: p.chance },
    );
  }
  return {
    kind: 'strategy',
    label,
    large,
    similar,
    cut,
    unfreezeFrom,
    head,
    summary: `${large ? 'Large' : 'Small'} dataset, ${similar ? 'similar to' : 'different from'} ImageNet: ${plan[label]}. ${size}; ${why}.`,
    evidence,
    recommendations: recommendations(label, cut, unfreezeFrom, head, ctx),
  };
}

function recommendations(
  label: Scenario,
  cut: string,
  unfreezeFrom: string | null,
  head: 'linear' | 'recipe',
  ctx: StrategyContext,
): Recommendation[] {
  const can = ctx.dataset !== undefined && ctx.backbone !== undefined;
  const args = { dataset: ctx.dataset, backbone: ctx.backbone, cut, head };
  const act = (id: string, title: string, why: string, command: string, a: Record<string, unknown>): Recommendation =>
    can ? { id, title, why, command, args: a } : { id, title, why };
  const curve = act(
    'learning-curve',
    'Diagnose with a learning curve',
    'See whether the result is limited by bias, variance or data, before training longer.',
    'transferLab.learningCurve',
    args,
  );
  if (!unfreezeFrom) {
    return [
      act(
        'train-linear',
        `Train a linear classifier on ${cut}`,
        label === 'small-similar'
          ? 'With few images, a linear model on frozen features cannot overfit much, and similar data means the top features already fit.'
          : 'With few images, fine-tuning would overfit; earlier features are less tied to ImageNet classes.',
        'transferLab.trainFeatureExtractor',
        args,
      ),
      curve,
    ];
  }
  return [
    act(
      'train-feature-extractor',
      `Train the feature extractor on ${cut} (step 1)`,
      'Fine-tuning starts from a trained head, so the first gradients do not wreck the pretrained weights.',
      'transferLab.trainFeatureExtractor',
      args,
    ),
    {
      id: 'fine-tune',
      title: `Fine-tune from ${unfreezeFrom} (step 2)`,
      why:
        label === 'large-similar'
          ? 'With enough data, training the upper half of the network adapts its features to your classes without overfitting.'
          : 'Your images differ from ImageNet, so even early features need adapting; pretrained weights still start it better than random ones.',
      command: 'transferLab.fineTune',
      args: { unfreezeFrom },
    },
    {
      id: 'lr-find',
      title: 'Find a fine-tuning learning rate',
      why: 'A sweep on the unfrozen layers gives a rate the fine-tune command offers as its default.',
      command: 'transferLab.lrFind',
      args: { unfreezeFrom },
    },
    curve,
  ];
}

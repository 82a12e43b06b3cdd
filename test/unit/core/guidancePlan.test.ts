// The pure pieces behind the guidance jobs: learning-curve sizes and nested stratified subsets, the LR finder's
// suggestion on synthetic sweeps, the strategy advisor's four scenarios, the zoo ladder, and the settings.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseAdviseConfig } from '../../../src/core/jobs/advise';
import { parseErrorRate, parseLearningCurveConfig } from '../../../src/core/jobs/learningCurve';
import { parseLrFindConfig } from '../../../src/core/jobs/lrFind';
import { curveSizes, epochsFor, errorStat, nestedSubsets, parseSizes, stratifiedCounts } from '../../../src/core/learningCurvePlan';
import { hasDiverged, LossSmoother, lrAt, suggestLr } from '../../../src/core/lrSuggestion';
import { mulberry32 } from '../../../src/core/seededRandom';
import { adviseStrategy, similarityOf, type StrategyInput } from '../../../src/core/strategyAdvice';
import { blockAt, blocksOf, largerZooBackbone, lastLayerOf } from '../../../src/core/zooLadder';

describe('learning-curve plan', () => {
  it('spaces six sizes geometrically from about 5% to 100%', () => {
    assert.deepEqual(curveSizes(1120, 2), [56, 102, 186, 338, 615, 1120]);
    assert.deepEqual(curveSizes(40, 2), [4, 6, 10, 16, 25, 40], 'at least two images per class at the smallest point');
    assert.deepEqual(curveSizes(3, 2), [3]);
    for (const total of [100, 1000, 12345]) {
      const s = curveSizes(total, 5);
      assert.ok(s.length >= 6 && s.at(-1) === total && s.every((x, i) => i === 0 || x > s[i - 1]), String(s));
      assert.equal(s[0], Math.max(Math.round(total * 0.05), 2 * 5), `${s[0]} of ${total}: 5%, or two images per class`);
    }
  });

  const sizeCases: [string, number[] | RegExp][] = [
    ['5%,10%,1120', [56, 112, 1120]],
    ['0.5, 0.25', [280, 560]],
    ['100,100,200', [100, 200]],
    ['0', /not a count/],
    ['abc,10', /"abc"/],
    ['5000,10', /must be from 2 .* to 1120/],
    ['1', /at least two sizes/],
    ['10.5,20', /whole number/],
  ];
  for (const [text, want] of sizeCases) {
    it(`reads --sizes "${text}"`, () => {
      if (want instanceof RegExp) assert.throws(() => parseSizes(text, 1120, 2), want);
      else assert.deepEqual(parseSizes(text, 1120, 2), want);
    });
  }

  it('draws nested, stratified subsets that a seed repeats and another seed changes', () => {
    const labels = [...Array(300).keys()].map((i) => (i < 200 ? 0 : 1)); // 2:1 imbalance
    const sizes = [15, 30, 90, 300];
    const a = nestedSubsets(labels, sizes, 7);
    a.forEach((rows, k) => {
      assert.equal(rows.length, sizes[k]);
      assert.equal(new Set(rows).size, rows.length);
      const ones = rows.filter((r) => labels[r] === 1).length;
      assert.ok(Math.abs(ones - sizes[k] / 3) <= 1, `${ones} of ${sizes[k]} from the smaller class`);
      if (k > 0) assert.ok(a[k - 1].every((r) => rows.includes(r)), `subset ${k - 1} is inside subset ${k}`);
    });
    assert.deepEqual(nestedSubsets(labels, sizes, 7), a);
    assert.notDeepEqual(nestedSubsets(labels, sizes, 8)[0], a[0]);
  });

  const countCases: [number[], number, number[]][] = [
    [[50, 50], 10, [5, 5]],
    [[90, 10], 10, [9, 1]],
    [[99, 1], 5, [4, 1]],
    [[3, 3, 4], 4, [1, 1, 2]],
    [[2, 2], 4, [2, 2]],
  ];
  for (const [classes, size, want] of countCases) {
    it(`apportions ${size} over classes of ${classes.join('/')} as ${want.join('/')}`, () => {
      assert.deepEqual(stratifiedCounts(classes, size), want);
    });
  }

  it('gives each point about the same number of mini-batches, within bounds', () => {
    assert.equal(epochsFor(1120, 32, 200), 6);
    assert.equal(epochsFor(56, 32, 200), 100);
    assert.equal(epochsFor(4, 32, 200), 100, 'capped');
    assert.equal(epochsFor(100000, 32, 200), 1);
  });

  it('summarises repeats as mean and sample standard deviation', () => {
    assert.deepEqual(errorStat([0.1]), { mean: 0.1, std: 0 });
    const s = errorStat([0.1, 0.2, 0.3]);
    assert.ok(Math.abs(s.mean - 0.2) < 1e-12 && Math.abs(s.std - 0.1) < 1e-12);
  });
});

/** A loss that sits on a plateau, falls between 1e-4 and 1e-2, then explodes; with seeded batch noise. */
function syntheticSweep(noise: number, seed = 1) {
  const random = mulberry32(seed);
  const lrs: number[] = [], losses: number[] = [];
  const smoother = new LossSmoother();
  let best = Infinity;
  for (let i = 0; i < 100; i++) {
    const lr = lrAt(i, { start: 1e-7, end: 10, steps: 100 });
    const x = Math.log10(lr);
    const clean = 0.2 + 0.5 / (1 + Math.exp(2.5 * (x + 3))) + (x > -1.5 ? 3 * (x + 1.5) ** 2 : 0);
    const s = smoother.push(clean * (1 + noise * (random() - 0.5)));
    if (i > 0 && hasDiverged(s, best)) break;
    best = Math.min(best, s);
    lrs.push(lr);
    losses.push(s);
  }
  return { lrs, losses };
}

describe('LR finder suggestion', () => {
  it('sweeps exponentially from start to end', () => {
    const s = { start: 1e-7, end: 10, steps: 100 };
    assert.equal(lrAt(0, s), 1e-7);
    assert.ok(Math.abs(lrAt(99, s) - 10) < 1e-9);
    assert.ok(Math.abs(lrAt(50, s) / lrAt(49, s) - lrAt(1, s) / lrAt(0, s)) < 1e-9);
  });

  for (const noise of [0, 0.1, 0.3]) {
    it(`suggests the steepest descent, inside the falling range (batch noise ±${noise / 2})`, () => {
      const { lrs, losses } = syntheticSweep(noise);
      assert.ok(lrs.length < 100, 'the sweep stopped at divergence');
      const s = suggestLr(lrs, losses);
      assert.equal(s.rule, 'steepest');
      assert.ok(s.falling && s.suggestion >= s.falling[0] && s.suggestion < s.falling[1], `${s.suggestion} in ${s.falling}`);
      // The clean curve falls fastest at 1e-3 and bottoms out near 0.03; smoothing shifts the steepest point later.
      assert.ok(s.suggestion > 3e-4 && s.suggestion < 0.03, String(s.suggestion));
      assert.ok(s.minLr > s.suggestion && s.minLr < 0.1, String(s.minLr));
    });
  }

  it('for a loss that is flat until it rises (an already fitted model), suggests a tenth of the rate where it rises', () => {
    const lrs = [...Array(40).keys()].map((i) => 10 ** (i / 5 - 7)); // 1e-7 … ~6
    const losses = lrs.map((lr, i) => 0.15 + 0.002 * Math.sin(i) + (lr > 1e-2 ? 2 * Math.log10(lr / 1e-2) : 0));
    const s = suggestLr(lrs, losses);
    assert.equal(s.rule, 'before-rise');
    assert.equal(s.falling, null);
    const rise = losses.findIndex((l) => l > 0.165 * 1.0);
    assert.ok(Math.abs(Math.log10(s.suggestion) - Math.log10(lrs[rise] / 10)) <= 0.2 + 1e-9, `${s.suggestion} vs ${lrs[rise]}`);
  });

  it('says so when the loss neither fell nor rose', () => {
    const lrs = [...Array(20).keys()].map((i) => 10 ** (i / 4 - 5));
    assert.throws(() => suggestLr(lrs, lrs.map(() => 1)), /neither fell nor rose/);
    assert.throws(() => suggestLr([1, 2], [1, 0.5]), /at least 5 points/);
  });

  it('debiases the moving average and detects divergence', () => {
    const s = new LossSmoother();
    assert.equal(s.push(2), 2, 'the first value is not pulled toward zero');
    assert.ok(hasDiverged(4.1, 1) && !hasDiverged(3.9, 1) && hasDiverged(NaN, 1));
  });
});

const probe = (topAcc: number, earlyAcc: number) => ({ train: 120, test: 60, topCut: 'conv_pw_13_relu', topAcc, earlyCut: 'conv_pw_7_relu', earlyAcc, chance: 0.5 });
const imagenet = (top5: number) => ({ samples: 120, top1: top5 / 2, top5, entropy: 1 - top5 });
const blocks = [...Array(13).keys()].map((i) => `block_${i + 1}`);
const CTX = { dataset: '/d', backbone: 'mobilenet_v1_0.25_224', topCut: 'conv_pw_13_relu', earlyCut: 'conv_pw_7_relu', blocks };

describe('strategy advisor', () => {
  const cases: [string, StrategyInput, string, string, string | null][] = [
    ['small + similar → linear classifier on top features', { imagesPerClass: 300, classes: 2, imagenet: imagenet(0.8), probe: probe(0.92, 0.8) }, 'small-similar', 'conv_pw_13_relu', null],
    ['small + different → classifier on earlier features', { imagesPerClass: 300, classes: 2, imagenet: imagenet(0.3), probe: probe(0.8, 0.95) }, 'small-different', 'conv_pw_7_relu', null],
    ['large + similar → fine-tune through the network', { imagesPerClass: 5000, classes: 10, imagenet: imagenet(0.9), probe: probe(0.9, 0.7) }, 'large-similar', 'conv_pw_13_relu', 'block_7'],
    ['large + different → fine-tune the whole network', { imagesPerClass: 1000, classes: 3, probe: probe(0.6, 0.9) }, 'large-different', 'conv_pw_13_relu', 'block_1'],
    ['only ImageNet evidence', { imagesPerClass: 50, classes: 2, imagenet: imagenet(0.4) }, 'small-different', 'conv_pw_7_relu', null],
    ['disagreement: the probe, measured on the task, decides', { imagesPerClass: 50, classes: 5, imagenet: imagenet(0.39), probe: probe(0.57, 0.43) }, 'small-similar', 'conv_pw_13_relu', null],
  ];
  for (const [name, input, label, cut, unfreezeFrom] of cases) {
    it(name, () => {
      const a = adviseStrategy(input, CTX);
      assert.deepEqual({ label: a.label, cut: a.cut, unfreezeFrom: a.unfreezeFrom }, { label, cut, unfreezeFrom });
      assert.ok(a.evidence.some((e) => e.name === 'images per class' && e.value === input.imagesPerClass));
      // Evidence is shown exactly for what was measured, and only a fine-tuning strategy offers to fine-tune.
      const shown = (name: string) => a.evidence.some((e) => e.name === name);
      assert.equal(shown('probe accuracy at conv_pw_7_relu'), input.probe !== undefined);
      assert.equal(shown('ImageNet top-5 mass'), input.imagenet !== undefined);
      assert.equal(a.recommendations[0].command, 'transferLab.trainFeatureExtractor');
      assert.equal((a.recommendations[0].args as { cut: string }).cut, cut);
      const fineTune = a.recommendations.find((r) => r.command === 'transferLab.fineTune');
      assert.deepEqual(fineTune?.args, unfreezeFrom ? { unfreezeFrom } : undefined);
    });
  }

  it('will not guess similarity it could not measure', () => {
    assert.throws(() => similarityOf({}), /could not be measured/);
  });
});

describe('zoo ladder and blocks', () => {
  it('finds the next wider backbone of the same family', () => {
    assert.equal(largerZooBackbone('mobilenet_v1_0.25_224')?.id, 'mobilenet_v1_0.50_224');
    assert.equal(largerZooBackbone('/models/mobilenet_v1_0.25_224_layers')?.id, 'mobilenet_v1_0.50_224');
    assert.equal(largerZooBackbone('mobilenet_v2_0.35_224')?.id, 'mobilenet_v2_0.50_224');
    assert.equal(largerZooBackbone('mobilenet_v2_1.00_224'), undefined);
    assert.equal(largerZooBackbone('/models/squeezenet1.1'), undefined);
    // Keras' weights climb within Keras' weights; VGG16 and ResNet50 have no wider sibling.
    assert.equal(largerZooBackbone('mobilenet_v2_0.35_224_keras')?.id, 'mobilenet_v2_0.5_224_keras');
    assert.equal(largerZooBackbone('mobilenet_v2_1.4_224_keras'), undefined);
    assert.equal(largerZooBackbone('vgg16_keras'), undefined);
  });

  it('lists blocks without the stem and picks one a fraction of the way up', () => {
    const layers = [{ name: 'conv1', block: 'stem' }, { name: 'conv_dw_1', block: 'block_1' }, { name: 'conv_pw_1_relu', block: 'block_1' },
      { name: 'conv_dw_2', block: 'block_2' }, { name: 'conv_pw_2_relu', block: 'block_2' }, { name: 'conv_pw_3_relu', block: 'block_3' }];
    assert.deepEqual(blocksOf(layers), ['block_1', 'block_2', 'block_3']);
    assert.equal(blockAt(blocksOf(layers), 1), 'block_3');
    assert.equal(blockAt(blocksOf(layers), 0.5), 'block_2');
    assert.equal(lastLayerOf(layers, 'block_2'), 'conv_pw_2_relu');
    assert.equal(blockAt([], 0.5), undefined);
  });
});

describe('guidance settings', () => {
  it('reads a desired error as a rate or a percentage', () => {
    assert.equal(parseErrorRate('0.05'), 0.05);
    assert.equal(parseErrorRate(' 5 % '), 0.05);
    for (const bad of ['', 'x', '1', '-0.1', '150%']) assert.equal(parseErrorRate(bad), undefined, bad);
  });

  it('names the setting that is wrong', () => {
    const d = { cacheDir: '/c' };
    assert.throws(() => parseLearningCurveConfig({ backbone: 'b' }, d), /dataset/);
    assert.throws(() => parseLearningCurveConfig({ dataset: 'd', backbone: 'b', repeats: 0 }, d), /config\.repeats: expected a whole number from 1 to 20/);
    assert.throws(() => parseLearningCurveConfig({ dataset: 'd', backbone: 'b', desiredError: 1.5 }, d), /desiredError/);
    assert.throws(() => parseLrFindConfig({ dataset: 'd', backbone: 'b', start: 1, end: 0.1 }, d), /config\.start: expected less than config\.end/);
    assert.throws(() => parseAdviseConfig({ dataset: 'd', backbone: 'b', sample: 2 }, d), /sample/);
    const c = parseLearningCurveConfig({ dataset: 'd', backbone: 'b' }, d);
    assert.deepEqual([c.repeats, c.desiredError, c.head, c.cacheDir], [3, 0.05, 'recipe', '/c']);
    const sweep = parseLrFindConfig({ from: '/run' }, d);
    assert.equal(sweep.mode === 'fine-tune' && sweep.from, '/run', 'a run is enough for the fine-tuning sweep');
  });
});

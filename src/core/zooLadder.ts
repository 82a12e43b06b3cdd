// Which zoo backbone is one step larger than the one in use, and which blocks a backbone's layer table offers,
// for advice that can act ("Try a larger backbone", "Fine-tune from block N").
import type { LayerRow } from './protocol';
import { findKerasZooEntry, KERAS_ZOO } from './kerasZoo';
import { ZOO, type ZooEntry } from './zooCatalog';

const NAME = /mobilenet_(v[12])_(\d+(?:\.\d+)?)_(\d+)/;

/**
 * The next wider model of the same family in the zoo, read from a zoo id or from a local folder named like one
 * (mobilenet_v1_0.25_224_layers); undefined at the top of the ladder or for a model we cannot place.
 */
export function largerZooBackbone(source: string): Pick<ZooEntry, 'id'> | undefined {
  const base = source.split(/[\\/]/).filter(Boolean).at(-1) ?? source;
  // Keras' MobileNetV2 widths climb among themselves (a user on Keras' weights stays on them); VGG16 and ResNet50
  // have no wider sibling here.
  const keras = findKerasZooEntry(base);
  if (keras) {
    const wider = KERAS_ZOO.filter((e) => e.application === keras.application && (e.alpha ?? 0) > (keras.alpha ?? 0));
    return wider.sort((a, b) => (a.alpha ?? 0) - (b.alpha ?? 0))[0];
  }
  const m = base.match(NAME);
  if (!m) return undefined;
  const [, version, alpha, size] = m;
  return ZOO.filter((e) => {
    const z = e.id.match(NAME)!;
    return z[1] === version && z[3] === size && Number(z[2]) > Number(alpha);
  }).sort((a, b) => Number(a.id.match(NAME)![2]) - Number(b.id.match(NAME)![2]))[0];
}

/** Block names in model order, without the stem (unfreezing the stem is unfreezing everything). */
export function blocksOf(layers: readonly Pick<LayerRow, 'block' | 'name'>[]): string[] {
  const blocks: string[] = [];
  for (const l of layers)
    if (!l.name.startsWith('head_') && l.block !== 'stem' && !blocks.includes(l.block)) blocks.push(l.block);
  return blocks;
}

/** The numbered block a fraction of the way up (0: the first, 1: the top); falls back to any block. */
export function blockAt(blocks: readonly string[], fraction: number): string | undefined {
  const numbered = blocks.filter((b) => /^block_\d+$/.test(b));
  const list = numbered.length ? numbered : blocks;
  if (!list.length) return undefined;
  return list[Math.min(list.length - 1, Math.max(0, Math.round(fraction * (list.length - 1))))];
}

/**
 * The block fine-tuning unfreezes when none is named, in VS Code and on the CLI alike: the top numbered block (the
 * recipe's `block5` for VGG16; `block_16` for MobileNetV2, whose `head` block is a single 1×1 conv).
 */
export function topBlock(layers: readonly Pick<LayerRow, 'block' | 'name'>[]): string | undefined {
  return blockAt(blocksOf(layers), 1);
}

/** The last layer of a block: where a cut "after block N" goes. */
export function lastLayerOf(layers: readonly Pick<LayerRow, 'block' | 'name'>[], block: string): string | undefined {
  return layers.filter((l) => l.block === block).at(-1)?.name;
}

// The freeze table the dashboard shows: one protocol LayerRow per backbone layer.
import type { LayerRow } from '../../core/protocol';
import type { FlatLayer } from './modelFlatten';

/** Keras' summary notation, which is what users compare against: "(None, 7, 7, 1280)". */
export function formatShape(shape: readonly (number | null)[]): string {
  return `(${shape.map((d) => (d === null || d < 0 ? 'None' : String(d))).join(', ')})`;
}

export function layerRows(layers: readonly FlatLayer[], blockOf: (layerName: string) => string): LayerRow[] {
  return layers.map(({ layer, outputs }, index) => ({
    index,
    name: layer.name,
    type: layer.getClassName(),
    outputShape: outputs.map((o) => formatShape(o.shape)).join(', '),
    params: layer.countParams(),
    trainable: layer.trainable,
    block: blockOf(layer.name),
  }));
}

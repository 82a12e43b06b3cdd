// A layers model with its fixed input size changed (e.g. 224 → 128), for benches that need a cheap backbone:
// convolutions and global pooling do not care about the size, only the saved batch_input_shape does.
// Writes a new model.json into `dest` and symlinks the weight shards beside it; the shared model is untouched.
import * as fs from 'node:fs';
import * as path from 'node:path';

interface LayerJson { class_name: string; config: { batch_input_shape?: (number | null)[]; layers?: LayerJson[] } }

function setInputSize(layers: LayerJson[], size: number): void {
  for (const l of layers) {
    const shape = l.config.batch_input_shape;
    if (shape?.length === 4) l.config.batch_input_shape = [shape[0], size, size, shape[3]];
    if (l.config.layers) setInputSize(l.config.layers, size);
  }
}

export function withInputSize(modelDir: string, size: number, dest: string): string {
  const model = JSON.parse(fs.readFileSync(path.join(modelDir, 'model.json'), 'utf8'));
  const config = (model.modelTopology.model_config ?? model.modelTopology).config;
  setInputSize(config.layers, size);
  fs.mkdirSync(dest, { recursive: true });
  for (const f of fs.readdirSync(modelDir)) if (f !== 'model.json') fs.symlinkSync(path.resolve(modelDir, f), path.join(dest, f));
  fs.writeFileSync(path.join(dest, 'model.json'), JSON.stringify(model));
  return dest;
}

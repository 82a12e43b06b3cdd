import assert from 'node:assert/strict';
import { promises as fsp } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { fileSystemLoader, fileSystemSaver, modelJsonPath, readModelArtifacts } from '../../../../src/trainer/model/modelFiles';
import { SHARED } from '../../../fixtures/cliRun';

const V1 = path.join(SHARED, 'models/mobilenet_v1_0.25_224_layers');
let dir = '';

describe('model files on disk', () => {
  before(async () => {
    await tf.setBackend('cpu');
    dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'tl-modelfiles-'));
  });
  after(() => fsp.rm(dir, { recursive: true, force: true }));

  it('reads every shard a manifest lists, in order', async () => {
    const a = await readModelArtifacts(V1);
    const json = JSON.parse(await fsp.readFile(path.join(V1, 'model.json'), 'utf8'));
    const files = json.weightsManifest.flatMap((g: { paths: string[] }) => g.paths);
    assert.equal(files.length, 55);
    let total = 0;
    for (const f of files) total += (await fsp.stat(path.join(V1, f))).size;
    assert.equal((a.weightData as ArrayBuffer).byteLength, total);
    assert.equal(a.weightSpecs?.[0].name, json.weightsManifest[0].weights[0].name);
  });

  it('saves weights first and model.json last, and loads back the same model', async () => {
    const model = tf.sequential({ layers: [tf.layers.dense({ inputShape: [3], units: 2, kernelInitializer: tf.initializers.randomNormal({ seed: 1 }) })] });
    const target = path.join(dir, 'nested', 'run');
    await model.save(fileSystemSaver(target));
    assert.deepEqual((await fsp.readdir(target)).sort(), ['model.json', 'weights.bin']);
    const loaded = await tf.loadLayersModel(fileSystemLoader(target));
    const x = tf.tensor2d([[1, 2, 3]]);
    assert.deepEqual(Array.from((loaded.predict(x) as tf.Tensor).dataSync()), Array.from((model.predict(x) as tf.Tensor).dataSync()));
  });

  it('says which file is missing or broken', async () => {
    const broken = path.join(dir, 'broken');
    await fsp.mkdir(broken);
    await fsp.writeFile(path.join(broken, 'model.json'), '{"modelTopology": ');
    await assert.rejects(readModelArtifacts(broken), /broken[/\\]model\.json is not valid JSON .*incomplete/);
    const partial = path.join(dir, 'partial');
    await fsp.mkdir(partial);
    await fsp.copyFile(path.join(V1, 'model.json'), path.join(partial, 'model.json'));
    await assert.rejects(readModelArtifacts(partial), /weight shard .*group1-shard1of1 is missing \(listed in .*model\.json\)/);
    await assert.rejects(readModelArtifacts(path.join(dir, 'none')), /no TF\.js model at .*none[/\\]model\.json/);
  });

  it('accepts folders, model.json paths and file: URLs', () => {
    assert.equal(modelJsonPath('/m/v1'), path.join('/m/v1', 'model.json'));
    assert.equal(modelJsonPath('/m/v1/model.json'), '/m/v1/model.json');
    assert.equal(modelJsonPath('file:///m/with%20space/'), path.join('/m/with space/', 'model.json'));
  });
});

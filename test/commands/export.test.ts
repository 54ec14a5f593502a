// `trainyard export`: a TF.js layers model that tf.loadLayersModel opens and that predicts what
// `evaluate` computes from the final weights, and the torch state_dict as safetensors.
import assert from 'node:assert/strict';
import { readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { cliInProcess, makeTempDir, smallLecture, writeExperiment } from '../run-helpers.js';
import { createRegistries } from '../../src/registry/index.js';
import { loadExperimentData } from '../../src/runner/data.js';
import { DirectoryStore } from '../../src/runner/store.js';
import { modelFromFinalWeights } from '../../src/runner/export-model.js';
import { readSafetensors } from '../../src/util/safetensors.js';
import type { TF } from '../../src/registry/kinds.js';

const runOf = (out: string, name: string) => join(out, name, readlinkSync(join(out, name, 'latest')));

/** tf.io's own reading of a model.json and its shards, from files (tfjs-node's file:// in a few lines). */
function fileHandler(dir: string): tf.io.IOHandler {
  return {
    async load() {
      const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
      const [group] = json.weightsManifest;
      const bin = readFileSync(join(dir, group.paths[0]));
      return { modelTopology: json.modelTopology, weightSpecs: group.weights, weightData: bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength), format: json.format };
    },
  };
}

describe('trainyard export', function () {
  this.timeout(120000);
  const dir = makeTempDir();
  const out = join(dir, 'runs');
  let runDir = '';

  before(async () => {
    const yaml = smallLecture({ name: 'export', optimizers: '  - {type: adam, lr: 0.003}', extra: '' }).replace('{type: dense, units: 10}]', '{type: dense, units: 10}, dropout]');
    const result = await cliInProcess(['run', writeExperiment(dir, 'export', yaml), '--out', out, '--quiet', '--no-report', '--workers', '0']);
    assert.equal(result.code, 0, result.stderr);
    runDir = runOf(out, 'export');
  });

  it('writes a TF.js layers model that tf.loadLayersModel opens and that predicts as evaluate does', async () => {
    const target = join(dir, 'tfjs');
    const exported = await cliInProcess(['export', runDir, '--trial', 'adam/seed-0', '--format', 'tfjs', '--out', target]);
    assert.equal(exported.code, 0, exported.stderr);
    const loaded = await tf.loadLayersModel(fileHandler(target));
    assert.deepEqual(loaded.inputs[0]!.shape, [null, 1, 28, 28]);

    const registries = createRegistries();
    const plan = JSON.parse(readFileSync(join(runDir, 'plan.json'), 'utf8'));
    const data = await loadExperimentData(plan.config, registries, dir);
    const x = tf.tensor(data.test.x, [data.test.count, 1, 28, 28]);
    const bundle = (await new DirectoryStore(runDir).loadFinalWeights('adam/seed-0'))!;
    const ours = modelFromFinalWeights(tf as unknown as TF, registries, bundle);
    const theirs = loaded.predict(x) as tf.Tensor;
    const expected = ours.apply(x, false);
    const [a, b] = [await theirs.data(), await expected.data()];
    let worst = 0;
    for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
    assert.ok(worst < 1e-5, `outputs differ by ${worst}`);

    // evaluate's figure for the same weights: the exported model's accuracy.
    const predicted = await theirs.argMax(1).data();
    const accuracy = [...predicted].filter((p, i) => p === data.test.y[i]).length / data.test.count;
    const evaluated = await cliInProcess(['evaluate', runDir]);
    assert.equal(evaluated.code, 0, evaluated.stderr);
    const row = evaluated.stdout.split('\n').find((l) => l.startsWith('adam/seed-0'))!;
    const nowAccuracy = Number(row.trim().split(/\s+/).at(-1));
    assert.equal(nowAccuracy.toFixed(6), accuracy.toFixed(6));
    tf.dispose([x, theirs, expected]);
    ours.dispose();
  });

  it('writes the torch state_dict as safetensors: the run\'s own model.safetensors, by name and value', async () => {
    const target = join(dir, 'torch');
    const exported = await cliInProcess(['export', runDir, '--format', 'safetensors', '--out', target]);
    assert.equal(exported.code, 0, exported.stderr);
    const written = await readSafetensors(join(target, 'model.safetensors'));
    const own = await readSafetensors(join(runDir, 'weights', 'adam', 'seed-0', 'model.safetensors'));
    assert.deepEqual([...written.tensors.keys()], ['1.weight', '1.bias', '3.weight', '3.bias']);
    assert.deepEqual(written.tensors.get('1.weight')!.shape, [32, 784]);
    for (const [name, t] of own.tensors) assert.deepEqual(written.tensors.get(name)!.data, t.data, name);
  });

  it('refuses what it cannot do: a layer without a tf.layers equivalent, an unknown trial, a directory in use', async () => {
    const yaml = smallLecture({ name: 'logsoftmax', optimizers: '  - {type: adam}', epochs: 1 }).replace('{type: dense, units: 10}]', '{type: dense, units: 10}, logSoftmax]').replace('loss: crossEntropy', 'loss: nll');
    const logOut = join(dir, 'log-runs');
    assert.equal((await cliInProcess(['run', writeExperiment(dir, 'logsoftmax', yaml), '--out', logOut, '--quiet', '--no-report', '--workers', '0'])).code, 0);
    const refused = await cliInProcess(['export', runOf(logOut, 'logsoftmax'), '--format', 'tfjs', '--out', join(dir, 'nope')]);
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /model\.layers\[4\] \(logSoftmax\) has no tf\.layers equivalent/);
    const unknown = await cliInProcess(['export', runDir, '--trial', 'adam/seed-1', '--format', 'tfjs', '--out', join(dir, 'nope2')]);
    assert.match(unknown.stderr, /--trial adam\/seed-1: no such trial; did you mean 'adam\/seed-0'\?/);
    const busy = await cliInProcess(['export', runDir, '--format', 'tfjs', '--out', join(dir, 'tfjs')]);
    assert.match(busy.stderr, /not empty \(group1-shard1of1\.bin, model\.json\)/);
    assert.match((await cliInProcess(['export', runDir, '--format', 'onnx', '--out', join(dir, 'x')])).stderr, /export needs --format tfjs or safetensors \(got 'onnx'\)/);
  });
});

// The per-layer torch mapping is general: a layer plugin that declares a 4-D kernel in torch's
// [out, in, kh, kw] layout (TF.js [kh, kw, in, out]), a kept state tensor and an I64 counter, as
// conv and batch norm layers will, is written and read by the same code as dense.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { createRegistries } from '../../src/registry/index.js';
import { defineLayer, type TF } from '../../src/registry/kinds.js';
import { inversePermutation, permuteAxes, torchLayout } from '../../src/registry/torch-layout.js';
import { buildModel } from '../../src/runner/model.js';
import { loadInitialWeights, torchStateDict } from '../../src/runner/torch-weights.js';
import { encodeSafetensors, readSafetensors } from '../../src/util/safetensors.js';
import { Random } from '../../src/util/random.js';
import { makeTempDir } from '../run-helpers.js';

/** A conv-like layer: kernel [kh, kw, in, out] in TF.js, [out, in, kh, kw] in torch, with a state and a counter. */
const convLike = defineLayer<{ out: number }>({
  type: 'convLike',
  summary: 'a test layer with conv-shaped tensors',
  params: { type: 'object', properties: { out: { type: 'integer' } } },
  outputShape: (p) => [p.out],
  parameters: (p, s) => 2 * 3 * s[0]! * p.out,
  torch: (p, s) => [
    { name: 'weight', shape: [p.out, s[0]!, 2, 3], from: 'variables', index: 0, permute: [2, 3, 1, 0] },
    { name: 'running_mean', shape: [p.out], from: 'state', index: 0 },
    { name: 'num_batches_tracked', shape: [], from: 'state', index: 1, dtype: 'I64' },
  ],
  create: (p, { tf: t, inputShape }) => {
    const kernel = t.variable(t.randomUniform([2, 3, inputShape[0]!, p.out]));
    const state = [t.variable(t.zeros([p.out]), false), t.variable(t.scalar(0), false)];
    return { variables: [kernel], state, apply: (x) => t.matMul(x, t.sum(kernel, [0, 1]) as never) };
  },
});

describe('runner/torch-weights: the layer plugins\' torch names and layouts', () => {
  const registries = createRegistries();
  registries.layers.register(convLike);
  const layers = [{ type: 'flatten' }, { type: 'convLike', out: 4 }, { type: 'relu' }, { type: 'dense', units: 2, activation: 'linear', useBias: true }];

  let previous: string | undefined;
  before(async () => {
    previous = tf.getBackend();
    await tf.setBackend('cpu');
  });
  after(async () => {
    if (previous) await tf.setBackend(previous);
  });

  it('permutes axes both ways (torch ↔ TF.js)', () => {
    const data = Float32Array.from({ length: 24 }, (_, i) => i);
    const perm = [2, 3, 1, 0];
    const tfData = permuteAxes(data, [4, 1, 2, 3], perm);
    assert.equal(tfData[1], data[6], 'TF.js [0,0,0,1] is torch [1,0,0,0]');
    assert.deepEqual(permuteAxes(tfData, [2, 3, 1, 4], inversePermutation(perm)), data);
    assert.deepEqual(permuteAxes(Float32Array.from([1, 2, 3, 4, 5, 6]), [2, 3], [1, 0]), Float32Array.from([1, 4, 2, 5, 3, 6]));
  });

  it('names tensors as nn.Sequential does, with torch\'s shapes and dtypes, and reads back what it writes', async () => {
    const layout = torchLayout(layers, registries, [3]);
    assert.deepEqual(layout.slots.map((s) => [s.key, s.shape, s.tfShape]), [
      ['1.weight', [4, 3, 2, 3], [2, 3, 3, 4]],
      ['1.running_mean', [4], [4]],
      ['1.num_batches_tracked', [], []],
      ['3.weight', [2, 4], [4, 2]],
      ['3.bias', [2], [2]],
    ]);
    const model = buildModel(tf as unknown as TF, layers, registries, [3], new Random(1));
    model.layers[1]!.state![1]!.assign(tf.scalar(7));
    const state = await torchStateDict(model, layers, registries, [3]);
    assert.deepEqual(state.map((t) => [t.name, t.dtype ?? 'F32']), [['1.weight', 'F32'], ['1.running_mean', 'F32'], ['1.num_batches_tracked', 'I64'], ['3.weight', 'F32'], ['3.bias', 'F32']]);
    const file = join(makeTempDir(), 'w.safetensors');
    writeFileSync(file, encodeSafetensors(state));
    const read = (await readSafetensors(file)).tensors;
    assert.equal(read.get('1.num_batches_tracked')!.dtype, 'I64');
    assert.deepEqual([...read.get('1.num_batches_tracked')!.data], [7]);

    const other = buildModel(tf as unknown as TF, layers, registries, [3], new Random(2));
    await loadInitialWeights(tf as unknown as TF, other, layers, registries, [3], file);
    for (const [a, b] of [...model.variables.map((v, i) => [v, other.variables[i]!]), ...model.layers[1]!.state!.map((v, i) => [v, other.layers[1]!.state![i]!])]) {
      assert.deepEqual(await b!.data(), await a!.data());
    }
    model.dispose();
    other.dispose();
  });

  it('refuses a layer with parameters and no torch names, naming it', async () => {
    const mine = createRegistries();
    mine.layers.register({ ...convLike, type: 'anonymous', torch: undefined });
    const unnamed = [{ type: 'anonymous', out: 2 }];
    const model = buildModel(tf as unknown as TF, unnamed, mine, [3], new Random(1));
    await assert.rejects(torchStateDict(model, unnamed, mine, [3]), /model\.layers\[0\] \(anonymous\) has parameters but no torch names/);
    model.dispose();
  });
});

import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { buildModel } from '../../src/runner/model.js';
import { createRegistries } from '../../src/registry/index.js';
import { Random } from '../../src/util/random.js';
import type { PluginSpec } from '../../src/config/types.js';
import { loadBackendOrSkip, TEST_BACKENDS } from '../backends.js';
import { defineLayer } from '../../src/registry/kinds.js';
import { kernelsFor } from '../../src/kernels/index.js';
import { toInternal, toTorch } from '../../src/registry/tensor-layout.js';

const registries = createRegistries();

/** The layers one by one, as written: the reference a folded model must equal. */
function unfolded(layers: PluginSpec[], sampleShape: number[], random: Random) {
  let shape = sampleShape;
  let trainableBefore = false;
  const runtimes = layers.map(({ type, ...params }, index) => {
    const plugin = registries.layers.get(type);
    const runtime = plugin.create(params, { tf: tf as never, inputShape: shape, random: () => random.next(), index, inputNeedsGrad: trainableBefore });
    trainableBefore ||= runtime.variables.length > 0;
    shape = plugin.outputShape(params, shape);
    return runtime;
  });
  return { variables: runtimes.flatMap((r) => r.variables), apply: (x: tf.Tensor) => toTorch(tf as never, runtimes.reduce((h, r) => r.apply(h, true), toInternal(tf as never, x))) };
}

/** Read asynchronously: webgpu has no dataSync in Node. */
const maxDiff = async (a: tf.Tensor, b: tf.Tensor) => (await tf.max(tf.abs(tf.sub(a, b))).data())[0]!;

for (const backend of TEST_BACKENDS) {
  describe(`runner/model on ${backend}`, () => {
    before(async function () {
      await loadBackendOrSkip(this, registries, backend);
    });

    const cases: [string, PluginSpec[]][] = [
      ['dense + relu pairs (folded)', [{ type: 'flatten' }, { type: 'dense', units: 6, activation: 'linear', useBias: true }, { type: 'relu' }, { type: 'dense', units: 5, activation: 'linear', useBias: false }, { type: 'relu' }, { type: 'dense', units: 3, activation: 'linear', useBias: true }]],
      ['tanh dense then relu (not folded)', [{ type: 'flatten' }, { type: 'dense', units: 6, activation: 'tanh', useBias: true }, { type: 'relu' }, { type: 'dense', units: 3, activation: 'linear', useBias: true }]],
      ['relu first, dense last (nothing to fold)', [{ type: 'flatten' }, { type: 'relu' }, { type: 'dense', units: 3, activation: 'linear', useBias: true }]],
    ];
    it('folds a linear dense layer and the relu after it into one layer (no separate Relu kernel)', async () => {
      const model = buildModel(tf as never, cases[0]![1], registries, [2, 4], new Random(7));
      const x = tf.randomNormal([9, 2, 4], 0, 1, 'float32', 3);
      const kernels = (await tf.profile(() => tf.dispose(model.apply(x, true)))).kernels.map((k) => k.name);
      assert.ok(kernels.includes('_FusedMatMul'), kernels.join(' '));
      assert.ok(!kernels.includes('Relu'), kernels.join(' '));
      const other = buildModel(tf as never, cases[1]![1], registries, [2, 4], new Random(7));
      const otherKernels = (await tf.profile(() => tf.dispose(other.apply(x, true)))).kernels.map((k) => k.name);
      assert.ok(otherKernels.includes('Relu'), 'a relu after a tanh dense layer stays a layer');
      model.dispose();
      other.dispose();
    });

    const conv = (outChannels: number, stride: number, bias: boolean) => ({ type: 'conv2d', outChannels, kernelSize: 3, stride, padding: 1, dilation: 1, bias });
    const convCases: [string, PluginSpec[]][] = [
      ['conv2d + relu pairs, with and without bias, stride 1 and 2 (folded)', [conv(4, 1, true), { type: 'relu' }, conv(5, 2, false), { type: 'relu' }, { type: 'flatten' }, { type: 'dense', units: 3, activation: 'linear', useBias: true }]],
      ['conv2d then maxPool2d then relu (not folded)', [conv(4, 1, true), { type: 'maxPool2d', kernelSize: 2, padding: 0 }, { type: 'relu' }, { type: 'flatten' }, { type: 'dense', units: 3, activation: 'linear', useBias: true }]],
    ];

    it('on a backend with convolution layer kernels, a conv2d and its relu run as one kernel each way', async function () {
      if (!kernelsFor(tf as never).convForward) this.skip();
      const model = buildModel(tf as never, convCases[0]![1], registries, [3, 6, 5], new Random(7));
      const x = tf.randomNormal([9, 3, 6, 5], 0, 1, 'float32', 3);
      const { kernels } = await tf.profile(() => tf.dispose(tf.variableGrads(() => tf.sum(model.apply(x, true)) as tf.Scalar, model.variables as tf.Variable[]).grads));
      const names = kernels.map((k) => k.name);
      for (const name of ['TrainyardConvForward', 'TrainyardConvBackward']) assert.ok(names.includes(name), names.join(' '));
      for (const name of ['Conv2D', 'Relu', 'Step', 'Add']) assert.ok(!names.includes(name), `${name} in ${names.join(' ')}`);
      model.dispose();
    });

    for (const [name, layers, sample] of [...cases.map(([n, l]) => [n, l, [2, 4]] as const), ...convCases.map(([n, l]) => [n, l, [3, 6, 5]] as const)]) {
      it(`${name}: same weights, outputs and gradients as the layers one by one`, async () => {
        const model = buildModel(tf as never, layers, registries, [...sample], new Random(7));
        const reference = unfolded(layers, [...sample], new Random(7));
        assert.equal(model.variables.length, reference.variables.length);
        for (const [i, v] of model.variables.entries()) assert.equal(await maxDiff(v, reference.variables[i]!), 0, `variable ${i}`);
        const x = tf.randomNormal([9, ...sample], 0, 1, 'float32', 3);
        const target = tf.randomNormal([9, 3], 0, 1, 'float32', 4);
        const loss = (out: tf.Tensor) => tf.mean(tf.square(tf.sub(out, target))) as tf.Scalar;
        assert.ok((await maxDiff(model.apply(x, true), reference.apply(x))) < 1e-6, 'outputs');
        const ours = tf.variableGrads(() => loss(model.apply(x, true)), model.variables as tf.Variable[]).grads;
        const theirs = tf.variableGrads(() => loss(reference.apply(x)), reference.variables as tf.Variable[]).grads;
        for (const [i, v] of model.variables.entries()) assert.ok((await maxDiff(ours[v.name]!, theirs[reference.variables[i]!.name]!)) < 1e-5, `gradient ${i}`);
        model.dispose();
        reference.variables.forEach((v) => v.dispose());
      });
    }
  });
}

describe('runner/model: layers that absorb the next one', () => {
  /** x * factor; two in a row are one layer with the product of their factors. Counts its runtimes. */
  function scaleLayer() {
    const made: number[] = [];
    const plugin = defineLayer<{ factor: number }>({
      type: 'scale',
      summary: 'x * factor',
      params: { type: 'object', properties: { factor: { type: 'number' } }, required: ['factor'], additionalProperties: false },
      outputShape: (_p, shape) => shape,
      create: ({ factor }, { tf: t }) => (made.push(factor), { variables: [], apply: (x) => t.mul(x, factor) }),
      fuse: ({ factor }, next) => (next.type === 'scale' ? { factor: factor * (next.factor as number) } : undefined),
    });
    return { plugin, made };
  }

  before(async () => {
    await registries.backends.get('cpu').load({ backends: registries.backends });
  });

  it("a user's layer plugin that declares fuse is built as one layer for the pair, the layer after left alone", () => {
    const { plugin, made } = scaleLayer();
    const mine = createRegistries();
    mine.layers.register(plugin);
    const layers: PluginSpec[] = [{ type: 'flatten' }, { type: 'scale', factor: 2 }, { type: 'scale', factor: 3 }, { type: 'scale', factor: 5 }, { type: 'relu' }];
    const model = buildModel(tf as never, layers, mine, [4], new Random(1));
    // The first two fold into 6; the third has only a relu after it, which scale does not absorb.
    assert.deepEqual(made, [6, 5]);
    assert.deepEqual(Array.from(model.apply(tf.tensor2d([[1, -1, 0.5, 2]]), false).dataSync()), [30, 0, 15, 60]);
  });

  it('conv2d absorbs a relu after it, nothing else, and keeps its tensors', () => {
    const conv2d = registries.layers.get('conv2d');
    const params = { outChannels: 4, kernelSize: 3, stride: 1, padding: 1, dilation: 1, bias: true };
    const fused = conv2d.fuse!(params, { type: 'relu' });
    assert.deepEqual(fused, { ...params, relu: true });
    assert.equal(conv2d.fuse!(fused, { type: 'relu' }), undefined);
    assert.equal(conv2d.fuse!(params, { type: 'tanh' }), undefined);
    assert.equal(conv2d.fuse!(params, { type: 'maxPool2d', kernelSize: 2 }), undefined);
    assert.deepEqual(conv2d.torch!(fused, [3, 8, 8]), conv2d.torch!(params, [3, 8, 8]));
    assert.deepEqual(conv2d.outputShape(fused, [3, 8, 8]), conv2d.outputShape(params, [3, 8, 8]));
  });

  it('dense absorbs a relu after a linear dense layer, nothing else', () => {
    const dense = registries.layers.get('dense');
    const linear = { units: 3, activation: 'linear', useBias: true };
    assert.deepEqual(dense.fuse!(linear, { type: 'relu' }), { ...linear, activation: 'relu' });
    assert.equal(dense.fuse!({ ...linear, activation: 'tanh' }, { type: 'relu' }), undefined);
    assert.equal(dense.fuse!(linear, { type: 'tanh' }), undefined);
    assert.equal(dense.fuse!(linear, { type: 'dense', units: 2 }), undefined);
  });
});

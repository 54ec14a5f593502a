import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import dense, { type DenseActivation } from '../../../src/registry/layers/dense.js';
import { Random } from '../../../src/util/random.js';
import { createRegistries } from '../../../src/registry/index.js';
import { loadBackendOrSkip, TEST_BACKENDS } from '../../backends.js';

/** Largest elementwise difference relative to the reference's scale (read asynchronously: webgpu has no dataSync in Node). */
async function maxRelDiff(a: tf.Tensor, b: tf.Tensor): Promise<number> {
  const x = await a.data();
  const y = await b.data();
  let worst = 0;
  for (let i = 0; i < x.length; i++) worst = Math.max(worst, Math.abs(x[i] - y[i]) / (1e-6 + Math.abs(y[i])));
  return worst;
}

// cpu transposes inside its products, plain wasm explicitly before them, wasm-blas in sgemm, webgpu in WGSL.
for (const backend of TEST_BACKENDS) describe(`layers/dense on ${backend}`, () => {
  before(async function () {
    const registries = createRegistries();
    await loadBackendOrSkip(this, registries, backend);
    assert.equal(tf.getBackend(), backend);
  });

  const activations: DenseActivation[] = ['linear', 'relu', 'sigmoid', 'tanh'];
  for (const activation of activations) {
    for (const inputNeedsGrad of [true, false]) {
      it(`custom gradient equals autodiff of act(xW + b) (${activation}, input gradient ${inputNeedsGrad ? 'on' : 'off'})`, async () => {
        const random = new Random(3);
        const layer = dense.create({ units: 5, activation, useBias: true }, { tf: tf as any, inputShape: [7], random: () => random.next(), index: 0, inputNeedsGrad });
        const [w, b] = layer.variables;
        const x = tf.randomNormal([4, 7], 0, 1, 'float32', 1);
        const target = tf.randomNormal([4, 5], 0, 1, 'float32', 2);
        const loss = (out: tf.Tensor) => tf.mean(tf.square(tf.sub(out, target))) as tf.Scalar;
        const reference = (xx: tf.Tensor, ww: tf.Tensor, bb: tf.Tensor) => {
          const z = tf.add(tf.matMul(xx, ww), bb);
          return activation === 'relu' ? tf.relu(z) : activation === 'sigmoid' ? tf.sigmoid(z) : activation === 'tanh' ? tf.tanh(z) : z;
        };
        const theirs = tf.grads((xx: tf.Tensor, ww: tf.Tensor, bb: tf.Tensor) => loss(reference(xx, ww, bb)))([x, w, b]);
        assert.ok(await maxRelDiff(layer.apply(x, true), reference(x, w, b)) < 1e-5, 'forward');
        const { grads } = tf.variableGrads(() => loss(layer.apply(x, true)), [w as tf.Variable, b as tf.Variable]);
        assert.ok(await maxRelDiff(grads[w.name], theirs[1]) < 1e-4, 'kernel gradient');
        assert.ok(await maxRelDiff(grads[b.name], theirs[2]) < 1e-4, 'bias gradient');
        if (inputNeedsGrad) {
          const dx = tf.grad((xx: tf.Tensor) => loss(layer.apply(xx, true)))(x);
          assert.ok(await maxRelDiff(dx, theirs[0]) < 1e-4, 'input gradient');
        }
        layer.variables.forEach((v) => v.dispose());
      });
    }
  }

  it('has no bias when useBias is false', async () => {
    const layer = dense.create({ units: 3, activation: 'linear', useBias: false }, { tf: tf as any, inputShape: [2], random: () => 0.5, index: 0, inputNeedsGrad: false });
    assert.equal(layer.variables.length, 1);
    const { grads } = tf.variableGrads(() => tf.sum(layer.apply(tf.ones([1, 2]), true)) as tf.Scalar, layer.variables as tf.Variable[]);
    assert.deepEqual(Array.from(await grads[layer.variables[0].name].data()), [1, 1, 1, 1, 1, 1]);
  });

  it('a layer made on this backend works on every other after tf.setBackend (it picks its kernels on every call)', async () => {
    const layer = dense.create({ units: 3, activation: 'relu', useBias: true }, { tf: tf as any, inputShape: [4], random: () => 0.3, index: 0, inputNeedsGrad: true });
    const run = async () => {
      const x = tf.tensor2d([[1, -2, 3, 0.5], [-1, 2, 0.25, 4]]);
      const { value, grads } = tf.variableGrads(() => tf.sum(tf.square(layer.apply(x, true))) as tf.Scalar, layer.variables as tf.Variable[]);
      const out = [(await value.data())[0]!, ...(await Promise.all(layer.variables.map(async (v) => Array.from(await grads[v.name]!.data())))).flat()];
      tf.dispose([x, value, ...Object.values(grads)]);
      return out;
    };
    const here = await run();
    try {
      for (const other of TEST_BACKENDS.filter((b) => b !== backend && tf.findBackendFactory(b))) {
        // TF.js moves a tensor to another backend with a synchronous read, which webgpu cannot do in
        // Node: read the weights first (data() keeps a host copy that the move then takes).
        await Promise.all(layer.variables.map((v) => v.data()));
        await tf.setBackend(other);
        (await run()).forEach((v, i) => assert.ok(Math.abs(v - here[i]!) <= 1e-5 * (1 + Math.abs(here[i]!)), `${other}: [${i}] ${v} vs ${here[i]}`));
      }
    } finally {
      await tf.setBackend(backend);
      layer.variables.forEach((v) => v.dispose());
    }
  });

  it('needs flat samples', () => {
    assert.throws(() => dense.outputShape({ units: 3, activation: 'linear', useBias: true }, [28, 28]), /put a flatten layer before it/);
    assert.deepEqual(dense.outputShape({ units: 3, activation: 'linear', useBias: true }, [784]), [3]);
  });
});

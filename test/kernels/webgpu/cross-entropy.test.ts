// The two-dispatch cross-entropy of the webgpu backend (through the crossEntropy loss) against the
// tensor-op path on cpu: exp and log are the GPU's own, so within 1e-5 rather than bit for bit.
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import crossEntropy from '../../../src/registry/losses/cross-entropy.js';
import { kernelsFor } from '../../../src/kernels/index.js';
import { createRegistries } from '../../../src/registry/index.js';
import { countDispatches } from '../../../src/registry/backends/dawn.js';
import { Random } from '../../../src/util/random.js';
import { loadBackendOrSkip } from '../../backends.js';

const random = new Random(21);
const scores = (shape: number[]) => Array.from({ length: shape.reduce((a, b) => a * b) }, () => (random.next() - 0.5) * 12);
const CASES = [
  { name: 'batch of 7, 5 classes', shape: [7, 5], labels: [0, 1, 2, 3, 4, 4, 0], smoothing: 0 },
  { name: 'label smoothing 0.1', shape: [7, 5], labels: [4, 3, 2, 1, 0, 2, 2], smoothing: 0.1 },
  { name: 'rank 3 scores (rows over two axes)', shape: [2, 3, 4], labels: [0, 3, 1, 2, 3, 0], smoothing: 0.2 },
  { name: 'a label out of range picks nothing, as its one-hot', shape: [3, 4], labels: [1, -1, 7], smoothing: 0.1 },
  { name: '150 rows (three workgroups), 10 classes', shape: [150, 10], labels: Array.from({ length: 150 }, (_, i) => (i * 7) % 10), smoothing: 0 },
].map((c) => ({ ...c, values: scores(c.shape) }));

/** Loss and gradient, read asynchronously (webgpu has no dataSync in Node). */
async function lossAndGrad(c: (typeof CASES)[number]): Promise<{ loss: number; grad: Float32Array }> {
  const loss = crossEntropy.create({ labelSmoothing: c.smoothing }, { tf: tf as never });
  const x = tf.tensor(c.values, c.shape, 'float32');
  const labels = tf.tensor(c.labels, c.shape.slice(0, -1), 'int32');
  const g = tf.grad((input: tf.Tensor) => loss(input, labels))(x);
  const value = loss(x, labels);
  const out = { loss: (await value.data())[0]!, grad: Float32Array.from((await g.data()) as Float32Array) };
  tf.dispose([x, labels, g, value]);
  return out;
}

describe('kernels/webgpu/cross-entropy', function () {
  this.timeout(120000);
  const registries = createRegistries();
  const expected = new Map<string, { loss: number; grad: Float32Array }>();

  before(async function () {
    await registries.backends.get('cpu').load({ backends: registries.backends });
    for (const c of CASES) expected.set(c.name, await lossAndGrad(c));
    await loadBackendOrSkip(this, registries, 'webgpu');
    assert.ok(kernelsFor(tf as never).softmaxCrossEntropy);
  });
  after(async () => {
    await tf.setBackend('cpu');
  });

  for (const c of CASES) {
    it(`${c.name}: loss and gradient within 1e-5 of the tensor ops'`, async () => {
      const before = tf.memory().numTensors;
      const ours = await lossAndGrad(c);
      const theirs = expected.get(c.name)!;
      assert.ok(Math.abs(ours.loss - theirs.loss) <= 1e-5 * Math.max(1, Math.abs(theirs.loss)), `loss ${ours.loss} vs ${theirs.loss}`);
      ours.grad.forEach((g, i) => assert.ok(Math.abs(g - theirs.grad[i]!) <= 1e-5, `grad[${i}] ${g} vs ${theirs.grad[i]}`));
      assert.equal(tf.memory().numTensors, before, 'no tensors left behind');
    });
  }

  it('takes three dispatches forward and backward: the rows\' losses, their mean, the gradient', async () => {
    const loss = crossEntropy.create({ labelSmoothing: 0 }, { tf: tf as never });
    const x = tf.tensor2d(CASES[4]!.values, [150, 10]);
    const labels = tf.tensor1d(CASES[4]!.labels, 'int32');
    await Promise.all([x.data(), labels.data()]);
    const count = await countDispatches();
    const before = count();
    const g = tf.grad((input: tf.Tensor) => loss(input, labels))(x);
    await g.data();
    assert.equal(count() - before, 3, 'the tensor ops took about fifteen');
    tf.dispose([x, labels, g]);
  });

  it('labels that do not fit the scores are a clear error', () => {
    const loss = crossEntropy.create({ labelSmoothing: 0 }, { tf: tf as never });
    assert.throws(() => loss(tf.zeros([4, 3]), tf.tensor1d([0, 1], 'int32')), /4 rows of scores but labels of shape \[2\]/);
  });
});

// The two-kernel cross-entropy of the wasm backends against the tensor-op path on cpu.
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import crossEntropy from '../../../src/registry/losses/cross-entropy.js';
import { fusedCrossEntropy } from '../../../src/registry/losses/fused-cross-entropy.js';
import { createRegistries } from '../../../src/registry/index.js';
import { Random } from '../../../src/util/random.js';

interface Case {
  name: string;
  shape: number[];
  labels: number[];
  smoothing: number;
}

const random = new Random(21);
const scores = (shape: number[]) => Array.from({ length: shape.reduce((a, b) => a * b) }, () => (random.next() - 0.5) * 12);
const CASES: (Case & { values: number[] })[] = [
  { name: 'batch of 7, 5 classes', shape: [7, 5], labels: [0, 1, 2, 3, 4, 4, 0], smoothing: 0 },
  { name: 'label smoothing 0.1', shape: [7, 5], labels: [4, 3, 2, 1, 0, 2, 2], smoothing: 0.1 },
  { name: 'rank 3 scores (rows over two axes)', shape: [2, 3, 4], labels: [0, 3, 1, 2, 3, 0], smoothing: 0.2 },
  { name: 'a label out of range picks nothing, as its one-hot', shape: [3, 4], labels: [1, -1, 7], smoothing: 0 },
].map((c) => ({ ...c, values: scores(c.shape) }));

interface Outcome {
  loss: number;
  grad: Float32Array;
}

function lossAndGrad(c: Case & { values: number[] }): Outcome {
  const loss = crossEntropy.create({ labelSmoothing: c.smoothing }, { tf: tf as never });
  const x = tf.tensor(c.values, c.shape, 'float32');
  const labels = tf.tensor(c.labels, c.shape.slice(0, -1), 'int32');
  const g = tf.grad((input: tf.Tensor) => loss(input, labels))(x);
  const value = loss(x, labels);
  const out = { loss: value.dataSync()[0]!, grad: Float32Array.from(g.dataSync() as Float32Array) };
  tf.dispose([x, labels, g, value]);
  return out;
}

describe('losses/fused-cross-entropy', () => {
  const registries = createRegistries();
  const expected = new Map<string, Outcome>();

  before(async () => {
    await registries.backends.get('cpu').load({ backends: registries.backends });
    for (const c of CASES) expected.set(c.name, lossAndGrad(c));
  });

  it('is not used on cpu', async () => {
    await tf.setBackend('cpu');
    assert.equal(fusedCrossEntropy(tf as never, 0), null);
  });

  for (const backend of ['wasm', 'wasm-blas']) {
    describe(`on ${backend}`, () => {
      before(async function () {
        try {
          await registries.backends.get(backend).load({ backends: registries.backends });
        } catch (error) {
          if (backend !== 'wasm-blas' || process.env.CI) throw error;
          this.skip();
        }
      });
      after(async () => {
        await tf.setBackend('cpu');
      });

      for (const c of CASES) {
        it(`${c.name}: loss and gradient equal the tensor ops'`, () => {
          const before = tf.memory().numTensors;
          const ours = lossAndGrad(c);
          const theirs = expected.get(c.name)!;
          assert.ok(Math.abs(ours.loss - theirs.loss) <= 1e-6 * Math.max(1, Math.abs(theirs.loss)), `loss ${ours.loss} vs ${theirs.loss}`);
          ours.grad.forEach((g, i) => assert.ok(Math.abs(g - theirs.grad[i]!) <= 1e-6, `grad[${i}] ${g} vs ${theirs.grad[i]}`));
          assert.equal(tf.memory().numTensors, before, 'no tensors left behind');
        });
      }

      it('runs as two kernels, forward and backward', async () => {
        const loss = crossEntropy.create({ labelSmoothing: 0 }, { tf: tf as never });
        const x = tf.tensor2d([[1, 2, 3], [3, 2, 1]]);
        const labels = tf.tensor1d([2, 0], 'int32');
        const { kernels } = await tf.profile(() => tf.dispose(tf.grad((input: tf.Tensor) => loss(input, labels))(x)));
        const names = kernels.map((k) => k.name).filter((n) => n.startsWith('Trainyard'));
        assert.deepEqual(names, ['TrainyardSoftmaxCrossEntropy', 'TrainyardSoftmaxCrossEntropyGrad']);
        tf.dispose([x, labels]);
      });

      it('labels that do not fit the scores are a clear error', () => {
        const loss = crossEntropy.create({ labelSmoothing: 0 }, { tf: tf as never });
        assert.throws(() => loss(tf.zeros([4, 3]), tf.tensor1d([0, 1], 'int32')), /4 rows of scores but labels of shape \[2\]/);
      });
    });
  }
});

// The two-kernel cross-entropy of the wasm backends (through the crossEntropy loss) against the
// tensor-op path on cpu.
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import crossEntropy from '../../../src/registry/losses/cross-entropy.js';
import { kernelsFor } from '../../../src/kernels/index.js';
import { createRegistries } from '../../../src/registry/index.js';
import { Random } from '../../../src/util/random.js';
import { loadBackendOrSkip } from '../../backends.js';

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

describe('kernels/wasm/cross-entropy', () => {
  const registries = createRegistries();
  const expected = new Map<string, Outcome>();

  before(async () => {
    await registries.backends.get('cpu').load({ backends: registries.backends });
    for (const c of CASES) expected.set(c.name, lossAndGrad(c));
  });

  it('is not a kernel of cpu', async () => {
    await tf.setBackend('cpu');
    assert.equal(kernelsFor(tf as never).softmaxCrossEntropy, undefined);
  });

  for (const backend of ['wasm', 'wasm-blas']) {
    describe(`on ${backend}`, () => {
      before(async function () {
        await loadBackendOrSkip(this, registries, backend);
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

      it('float32 labels made inside the differentiated function: the same loss and gradient as int32 ones', () => {
        const c = CASES[1]!;
        const theirs = expected.get(c.name)!;
        const loss = crossEntropy.create({ labelSmoothing: c.smoothing }, { tf: tf as never });
        const x = tf.variable(tf.tensor(c.values, c.shape, 'float32'), true, `ce-float-labels-${backend}`);
        const before = tf.memory().numTensors;
        const { value, grads } = tf.variableGrads(() => loss(tf.mul(x, 1) as tf.Tensor, tf.tensor(c.labels, c.shape.slice(0, -1), 'float32')), [x]);
        assert.ok(Math.abs(value.dataSync()[0]! - theirs.loss) <= 1e-6 * Math.max(1, Math.abs(theirs.loss)));
        grads[x.name]!.dataSync().forEach((g, i) => assert.ok(Math.abs(g - theirs.grad[i]!) <= 1e-6, `grad[${i}]`));
        tf.dispose([value, grads[x.name]!]);
        assert.equal(tf.memory().numTensors, before);
        x.dispose();
      });

      it('a loss made on this backend still works after tf.setBackend (it picks its path on every call)', async () => {
        const c = CASES[0]!;
        const loss = crossEntropy.create({ labelSmoothing: 0 }, { tf: tf as never });
        await tf.setBackend('cpu');
        try {
          const x = tf.tensor(c.values, c.shape, 'float32');
          const labels = tf.tensor(c.labels, [c.shape[0]!], 'int32');
          const g = tf.grad((input: tf.Tensor) => loss(input, labels))(x);
          g.dataSync().forEach((v, i) => assert.ok(Math.abs(v - expected.get(c.name)!.grad[i]!) <= 1e-6));
          tf.dispose([x, labels, g]);
        } finally {
          await tf.setBackend(backend);
        }
      });

      it('scores that live on another backend (moved onto the heap inside the kernel, which grows it)', async () => {
        const heap = () => (tf.backend() as unknown as { wasm: { HEAPU8: Uint8Array } }).wasm.HEAPU8;
        const rows = Math.ceil(heap().length / 4 / 5) + 1024;
        const loss = crossEntropy.create({ labelSmoothing: 0 }, { tf: tf as never });
        await tf.setBackend('cpu');
        const x = tf.tile(tf.tensor2d([[1, 2, 3, 4, 5]]), [rows, 1]);
        const labels = tf.fill([rows], 4, 'int32');
        await tf.setBackend(backend);
        const before = heap().buffer;
        const value = loss(x, labels);
        assert.notEqual(heap().buffer, before, 'the heap grew');
        // -log softmax([1..5])[4] = log(Σ e^(i-5))
        const want = Math.log([0, 1, 2, 3, 4].reduce((s, i) => s + Math.exp(i - 4), 0));
        assert.ok(Math.abs(value.dataSync()[0]! - want) < 1e-5, `${value.dataSync()[0]} vs ${want}`);
        tf.dispose([x, labels, value]);
      });

      it('labels that do not fit the scores are a clear error', () => {
        const loss = crossEntropy.create({ labelSmoothing: 0 }, { tf: tf as never });
        assert.throws(() => loss(tf.zeros([4, 3]), tf.tensor1d([0, 1], 'int32')), /4 rows of scores but labels of shape \[2\]/);
      });
    });
  }
});

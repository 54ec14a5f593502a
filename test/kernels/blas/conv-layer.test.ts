import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { kernelsFor, type ConvWindows } from '../../../src/kernels/index.js';
import { openBlas } from '../../../src/kernels/blas/index.js';
import { registerConvLayerKernels } from '../../../src/kernels/blas/conv-layer.js';
import { createRegistries } from '../../../src/registry/index.js';
import { loadBackendOrSkip } from '../../backends.js';

interface Case {
  name: string;
  x: [number, number, number, number];
  filter: [number, number, number, number];
  windows: ConvWindows;
  bias: boolean;
  relu: boolean;
}

const pad = (top: number, bottom: number, left: number, right: number): ConvWindows['pad'] => [[0, 0], [top, bottom], [left, right], [0, 0]];

const cases: Case[] = [
  { name: '3×3, padding 1, bias and ReLU (the CNN conv layers), 8 filters', x: [2, 6, 5, 3], filter: [3, 3, 3, 8], windows: { strides: [1, 1], pad: pad(1, 1, 1, 1) }, bias: true, relu: true },
  { name: '3×3, stride 2, no padding, bias and ReLU, 5 filters (not a multiple of 4)', x: [2, 7, 7, 2], filter: [3, 3, 2, 5], windows: { strides: [2, 2], pad: pad(0, 0, 0, 0) }, bias: true, relu: true },
  { name: '2×2, stride [2, 1], asymmetric padding, bias only, 3 filters', x: [3, 5, 6, 4], filter: [2, 2, 4, 3], windows: { strides: [2, 1], pad: pad(1, 0, 0, 1) }, bias: true, relu: false },
  { name: '1×1 (the input is its own patch matrix), ReLU only, batch 1', x: [1, 4, 4, 6], filter: [1, 1, 6, 7], windows: { strides: [1, 1], pad: pad(0, 0, 0, 0) }, bias: false, relu: true },
  { name: 'batch 1, one filter, one input channel, neither bias nor ReLU', x: [1, 5, 4, 1], filter: [3, 3, 1, 1], windows: { strides: [1, 1], pad: pad(1, 1, 1, 1) }, bias: false, relu: false },
];

/** The inputs of a case (x, filter, bias, and the weights of the loss), seeded. */
const inputs = (c: Case) => ({
  x: tf.randomUniform(c.x, -1, 1, 'float32', 1),
  w: tf.randomUniform(c.filter, -1, 1, 'float32', 2),
  b: c.bias ? tf.randomUniform([c.filter[3]], -1, 1, 'float32', 3) : null,
});

/** The layer's output and its gradients for dx, dW and db of sum(y * r), by TF.js ops. */
function byOps(c: Case): Float32Array[] {
  return tf.tidy(() => {
    const { x, w, b } = inputs(c);
    const f = (xx: tf.Tensor, ww: tf.Tensor, bb?: tf.Tensor) => {
      const z = tf.conv2d(xx as tf.Tensor4D, ww as tf.Tensor4D, c.windows.strides, c.windows.pad);
      const y = bb ? tf.add(z, bb) : z;
      return c.relu ? tf.relu(y) : y;
    };
    const y = f(x, w, b ?? undefined);
    const r = tf.randomUniform(y.shape, -1, 1, 'float32', 4);
    const grads = tf.grads((...t: tf.Tensor[]) => tf.sum(tf.mul(f(t[0]!, t[1]!, t[2]), r)))(b ? [x, w, b] : [x, w]);
    return [y, ...grads].map((t) => t.dataSync() as Float32Array);
  });
}

/** The same through the backend's convForward and convBackward kernels. */
function byKernels(c: Case, inputGrad = true): Float32Array[] {
  const { convForward, convBackward } = kernelsFor(tf as never);
  assert.ok(convForward && convBackward, 'the backend has the convolution layer kernels');
  return tf.tidy(() => {
    const { x, w, b } = inputs(c);
    const y = convForward(x, w, b, c.relu, c.windows);
    const dy = tf.randomUniform(y.shape, -1, 1, 'float32', 4);
    const { dx, dw, db } = convBackward({ dy, x, y, w, relu: c.relu, bias: b !== null, inputGrad, ...c.windows });
    assert.equal(db === null, b === null, 'db exactly when there is a bias');
    assert.equal(dx === null, !inputGrad, 'dx exactly when asked for');
    return [y, ...(dx ? [dx] : []), dw, ...(db ? [db] : [])].map((t) => t.dataSync() as Float32Array);
  });
}

function assertClose(got: Float32Array, want: Float32Array, what: string): void {
  assert.equal(got.length, want.length, `${what}: size`);
  for (let i = 0; i < want.length; i++) assert.ok(Math.abs(got[i]! - want[i]!) <= 1e-4 * (1 + Math.abs(want[i]!)), `${what}[${i}]: ${got[i]} vs ${want[i]}`);
}

describe("kernels/blas/conv-layer on wasm-blas: a convolution layer's passes equal the cpu backend's ops", () => {
  before(async function () {
    await loadBackendOrSkip(this, createRegistries(), 'wasm-blas');
  });
  after(() => tf.setBackend('wasm-blas'));

  for (const c of cases) {
    it(`${c.name}: output, dx, dW${c.bias ? ', db' : ''}`, async () => {
      await tf.setBackend('cpu');
      const want = byOps(c);
      await tf.setBackend('wasm-blas');
      const got = byKernels(c);
      ['output', 'dx', 'dW', 'db'].slice(0, want.length).forEach((what, i) => assertClose(got[i]!, want[i]!, what));
    });
  }

  it('without the input gradient (a first layer): dW and db alone, the same', async () => {
    const c = cases[1]!;
    await tf.setBackend('cpu');
    const [y, , dw, db] = byOps(c);
    await tf.setBackend('wasm-blas');
    const got = byKernels(c, false);
    [y!, dw!, db!].forEach((want, i) => assertClose(got[i]!, want, ['output', 'dW', 'db'][i]!));
  });

  describe('in blocks of a few images (a batch too large for one block of patches)', () => {
    before(async () => registerConvLayerKernels(tf, 'wasm-blas', (await openBlas()).sgemm, 100));
    after(async () => registerConvLayerKernels(tf, 'wasm-blas', (await openBlas()).sgemm));

    for (const c of [cases[0]!, cases[2]!, cases[3]!]) {
      it(`${c.name}: the same`, async () => {
        await tf.setBackend('cpu');
        const want = byOps(c);
        await tf.setBackend('wasm-blas');
        const got = byKernels(c);
        ['output', 'dx', 'dW', 'db'].slice(0, want.length).forEach((what, i) => assertClose(got[i]!, want[i]!, what));
      });
    }
  });

  it('leaves no tensor behind', async () => {
    await tf.setBackend('wasm-blas');
    const before = tf.memory().numTensors;
    byKernels(cases[0]!);
    assert.equal(tf.memory().numTensors, before);
  });
});

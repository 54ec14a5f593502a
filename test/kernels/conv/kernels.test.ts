import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { createRegistries } from '../../../src/registry/index.js';
import { loadBackendOrSkip } from '../../backends.js';

interface Case {
  name: string;
  x: [number, number, number, number];
  filter: [number, number, number, number];
  strides: number | [number, number];
  pad: 'same' | 'valid' | number | [[number, number], [number, number], [number, number], [number, number]];
  dilations?: number;
}

const cases: Case[] = [
  { name: '3×3, padding 1', x: [2, 6, 5, 3], filter: [3, 3, 3, 4], strides: 1, pad: 1 },
  { name: '3×3, stride 2, valid', x: [2, 7, 7, 2], filter: [3, 3, 2, 5], strides: 2, pad: 'valid' },
  { name: '5×3, stride [2, 1], same', x: [1, 9, 6, 16], filter: [5, 3, 16, 3], strides: [2, 1], pad: 'same' },
  { name: '1×1 (the input is its own patch matrix)', x: [3, 4, 4, 6], filter: [1, 1, 6, 2], strides: 1, pad: 0 },
  { name: '2×2, stride 2, asymmetric explicit padding', x: [2, 5, 5, 1], filter: [2, 2, 1, 3], strides: 2, pad: [[0, 0], [1, 0], [0, 1], [0, 0]] },
  { name: '4×4 over a 2×2 input with padding 2 (every patch clipped)', x: [1, 2, 2, 9], filter: [4, 4, 9, 2], strides: 1, pad: 2 },
];

/** conv2d and its gradients for input and filter, on the active backend, as plain arrays. */
function convolve(c: Case, dilations = 1): Float32Array[] {
  return tf.tidy(() => {
    const x = tf.randomUniform(c.x, -1, 1, 'float32', 1);
    const filter = tf.randomUniform(c.filter, -1, 1, 'float32', 2);
    const f = (xx: tf.Tensor, ww: tf.Tensor) => tf.conv2d(xx as tf.Tensor4D, ww as tf.Tensor4D, c.strides, c.pad as never, 'NHWC', dilations);
    const out = f(x, filter);
    const weights = tf.randomUniform(out.shape, -1, 1, 'float32', 3);
    if (dilations > 1) return [out.dataSync() as Float32Array];
    const [dx, dw] = tf.grads((xx: tf.Tensor, ww: tf.Tensor) => tf.sum(tf.mul(f(xx, ww), weights)))([x, filter]);
    return [out, dx!, dw!].map((t) => t.dataSync() as Float32Array);
  });
}

function assertClose(got: Float32Array, want: Float32Array, what: string): void {
  assert.equal(got.length, want.length, `${what}: size`);
  for (let i = 0; i < want.length; i++) assert.ok(Math.abs(got[i]! - want[i]!) <= 1e-4 * (1 + Math.abs(want[i]!)), `${what}[${i}]: ${got[i]} vs ${want[i]}`);
}

for (const backend of ['wasm', 'wasm-blas']) describe(`kernels/conv on ${backend}: im2col convolutions equal the cpu backend's`, () => {
  before(async function () {
    await loadBackendOrSkip(this, createRegistries(), backend);
  });
  after(() => tf.setBackend(backend));

  for (const c of cases) {
    it(`${c.name}: forward, input gradient and filter gradient`, async () => {
      await tf.setBackend('cpu');
      const want = convolve(c);
      await tf.setBackend(backend);
      const got = convolve(c);
      ['output', 'dx', 'dfilter'].forEach((what, i) => assertClose(got[i]!, want[i]!, what));
    });
  }

  it('a dilated 3×3 convolution (forward; layers dilate the filter for gradients)', async () => {
    const c: Case = { name: 'dilated', x: [2, 9, 8, 3], filter: [3, 3, 3, 2], strides: 1, pad: 'valid' };
    await tf.setBackend('cpu');
    const [want] = convolve(c, 2);
    await tf.setBackend(backend);
    const [got] = convolve(c, 2);
    assertClose(got!, want!, 'output');
  });

  it('leaves no tensor behind', async () => {
    await tf.setBackend(backend);
    const before = tf.memory().numTensors;
    convolve(cases[0]!);
    assert.equal(tf.memory().numTensors, before);
  });
});

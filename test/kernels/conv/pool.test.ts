import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { createRegistries } from '../../../src/registry/index.js';
import { maxPoolGradLoop, poolGeometry } from '../../../src/kernels/conv/pool.js';
import { loadBackendOrSkip } from '../../backends.js';

interface Case {
  name: string;
  x: [number, number, number, number];
  filter: [number, number];
  strides: [number, number];
  pad: 'same' | 'valid' | number;
  /** Inputs drawn from a few integers: many ties in each window. */
  ties?: boolean;
}

const cases: Case[] = [
  { name: '2×2, stride 2 (the CNN pools), 8 channels', x: [2, 6, 8, 8], filter: [2, 2], strides: [2, 2], pad: 'valid' },
  { name: '2×2, stride 2 tiling the input, ties, 6 channels (four lanes and two single ones)', x: [3, 4, 6, 6], filter: [2, 2], strides: [2, 2], pad: 'valid', ties: true },
  { name: '2×2, stride 2 over odd sizes (last row and column in no window), 5 channels', x: [2, 5, 7, 5], filter: [2, 2], strides: [2, 2], pad: 'valid' },
  { name: '3×3, stride 1, same (overlapping windows, clipped at the edges), 6 channels', x: [1, 7, 5, 6], filter: [3, 3], strides: [1, 1], pad: 'same' },
  { name: '3×2, stride [2, 1], same, 3 channels', x: [3, 8, 6, 3], filter: [3, 2], strides: [2, 1], pad: 'same' },
  // (tfjs-backend-wasm 4.22's own MaxPool forward writes outside its output for a numeric padding with stride 2.)
  { name: '3×3, stride 1, padding 1, 3 channels', x: [2, 5, 6, 3], filter: [3, 3], strides: [1, 1], pad: 1 },
  { name: '2×2, stride 1, ties in every window, 7 channels', x: [2, 6, 6, 7], filter: [2, 2], strides: [1, 1], pad: 'valid', ties: true },
  { name: '3×3, stride 2, same, ties, 4 channels', x: [1, 9, 8, 4], filter: [3, 3], strides: [2, 2], pad: 'same', ties: true },
  { name: 'batch 1, one channel, 2×2 stride 2 with ties', x: [1, 4, 6, 1], filter: [2, 2], strides: [2, 2], pad: 'valid', ties: true },
];

const input = (c: Case) => (c.ties ? tf.floor(tf.randomUniform(c.x, 0, 3, 'float32', 4)) : tf.randomUniform(c.x, -1, 1, 'float32', 4));

/** maxPool's input gradient for a weighted sum of its output, on the active backend. */
function poolGrad(c: Case): Float32Array {
  return tf.tidy(() => {
    const x = input(c);
    const f = (xx: tf.Tensor) => tf.maxPool(xx as tf.Tensor4D, c.filter, c.strides, c.pad);
    const weights = tf.randomUniform(f(x).shape, -1, 1, 'float32', 5);
    return tf.grad((xx: tf.Tensor) => tf.sum(tf.mul(f(xx), weights)))(x).dataSync() as Float32Array;
  });
}

function assertClose(got: Float32Array, want: Float32Array, what: string): void {
  assert.equal(got.length, want.length, `${what}: size`);
  for (let i = 0; i < want.length; i++) assert.ok(Math.abs(got[i]! - want[i]!) <= 1e-5 * (1 + Math.abs(want[i]!)), `${what}[${i}]: ${got[i]} vs ${want[i]}`);
}

for (const backend of ['wasm', 'wasm-blas']) describe(`kernels/conv/pool on ${backend}: MaxPoolGrad equals the cpu backend's`, () => {
  before(async function () {
    await loadBackendOrSkip(this, createRegistries(), backend);
  });
  after(() => tf.setBackend(backend));

  for (const c of cases) {
    it(c.name, async () => {
      await tf.setBackend('cpu');
      const want = poolGrad(c);
      await tf.setBackend(backend);
      assertClose(poolGrad(c), want, 'dx');
    });
  }

  it('leaves no tensor behind', async () => {
    await tf.setBackend(backend);
    const before = tf.memory().numTensors;
    poolGrad(cases[0]!);
    assert.equal(tf.memory().numTensors, before);
  });
});

describe('kernels/conv/pool: the JS loop (for heaps simd.wat cannot link to)', () => {
  before(() => tf.setBackend('cpu'));

  for (const c of cases) {
    it(`${c.name}: equals the cpu backend's MaxPoolGrad`, () => {
      const want = poolGrad(c);
      const [xv, dyv] = tf.tidy(() => {
        const x = input(c);
        const out = tf.maxPool(x as tf.Tensor4D, c.filter, c.strides, c.pad);
        return [x.dataSync() as Float32Array, tf.randomUniform(out.shape, -1, 1, 'float32', 5).dataSync() as Float32Array];
      });
      const got = new Float32Array(xv.length).fill(7); // zeroed by the loop
      maxPoolGradLoop(xv, dyv, got, poolGeometry(tf, c.x, { filterSize: c.filter, strides: c.strides, pad: c.pad }));
      assertClose(got, want, 'dx');
    });
  }
});

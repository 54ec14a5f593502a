import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { createRegistries } from '../../../src/registry/index.js';
import { loadBackendOrSkip } from '../../backends.js';

describe('kernels/blas/sums: Sum over leading axes on sgemm (wasm-blas)', () => {
  before(async function () {
    await loadBackendOrSkip(this, createRegistries(), 'wasm-blas');
  });
  after(() => tf.setBackend('wasm-blas'));

  const cases: [string, number[], number | number[], boolean][] = [
    ['a bias gradient over [batch, height, width]', [3, 4, 5, 6], [0, 1, 2], false],
    ['the same with keepDims', [3, 4, 5, 6], [2, 0, 1], true],
    ['a dense bias over the batch', [7, 3], 0, false],
    ['negative axes', [2, 3, 4], [-3, -2], false],
    ['not leading (wasm\'s own kernel)', [3, 4, 5], [1, 2], false],
    ['every axis (wasm\'s own kernel)', [3, 4], [0, 1], false],
  ];
  for (const [what, shape, axis, keepDims] of cases) {
    it(`${what} equals the cpu backend's`, async () => {
      const run = () => tf.tidy(() => {
        const s = tf.sum(tf.randomUniform(shape, -1, 1, 'float32', 5), axis, keepDims);
        return { shape: s.shape, values: Array.from(s.dataSync()) };
      });
      await tf.setBackend('cpu');
      const want = run();
      await tf.setBackend('wasm-blas');
      const got = run();
      assert.deepEqual(got.shape, want.shape);
      got.values.forEach((v, i) => assert.ok(Math.abs(v - want.values[i]!) < 1e-5, `[${i}] ${v} vs ${want.values[i]}`));
    });
  }
});

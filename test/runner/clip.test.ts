import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { clipGradients } from '../../src/runner/clip.js';

describe('runner/clip (torch.nn.utils semantics)', () => {
  before(async () => {
    await tf.setBackend('cpu');
  });

  it('clipGradValue clamps every value to [-v, v]', () => {
    const [g] = clipGradients(tf as any, [tf.tensor([-3, -0.5, 0.2, 4])], { clipGradValue: 1 });
    assert.deepEqual(Array.from(g.dataSync()), [-1, -0.5, Math.fround(0.2), 1]);
  });

  it('clipGradNorm scales all gradients by maxNorm / (total L2 norm + 1e-6) when the norm is larger', () => {
    // total norm of [3, 4] and [12] is 13
    const [a, b] = clipGradients(tf as any, [tf.tensor([3, 4]), tf.tensor([12])], { clipGradNorm: 6.5 });
    const scale = 6.5 / (13 + 1e-6);
    Array.from(a.dataSync()).forEach((v, i) => assert.ok(Math.abs(v - [3, 4][i] * scale) < 1e-5));
    assert.ok(Math.abs(b.dataSync()[0] - 12 * scale) < 1e-5);
  });

  it('clipGradNorm leaves gradients within the norm unchanged', () => {
    const [a] = clipGradients(tf as any, [tf.tensor([0.3, 0.4])], { clipGradNorm: 1 });
    assert.deepEqual(Array.from(a.dataSync()), [0.30000001192092896, 0.4000000059604645]);
  });
});

import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import crossEntropy from '../../../src/registry/losses/cross-entropy.js';
import nll from '../../../src/registry/losses/nll.js';
import multiMargin from '../../../src/registry/losses/multi-margin.js';
import mse from '../../../src/registry/losses/mse.js';
import l1 from '../../../src/registry/losses/l1.js';
import smoothL1 from '../../../src/registry/losses/smooth-l1.js';
import { bce, bceWithLogits } from '../../../src/registry/losses/bce.js';
import { createRegistries } from '../../../src/registry/index.js';
import { loadBackendOrSkip, TEST_BACKENDS } from '../../backends.js';

const ctx = { tf: tf as any };
const close = (actual: number, expected: number) => assert.ok(Math.abs(actual - expected) <= 1e-5 * Math.max(1, Math.abs(expected)), `${actual} vs ${expected}`);

// Reference values computed by the formulas torch.nn documents, in float64.
const logits = [
  [1.0, 2.0, 0.5],
  [-1.0, 0.0, 3.0],
];
const labels = [1, 0];
const logSoftmax = (row: number[]) => {
  const max = Math.max(...row);
  const lse = max + Math.log(row.reduce((s, v) => s + Math.exp(v - max), 0));
  return row.map((v) => v - lse);
};

/** A scalar's value, read asynchronously (webgpu has no dataSync in Node). */
const first = async (t: tf.Tensor): Promise<number> => (await t.data())[0]!;

for (const backend of TEST_BACKENDS) describe(`losses on ${backend} (torch.nn meaning, reduction mean)`, () => {
  before(async function () {
    await loadBackendOrSkip(this, createRegistries(), backend);
    assert.equal(tf.getBackend(), backend);
  });

  it('crossEntropy = mean of -log_softmax(x)[y]', async () => {
    const expected = -(logSoftmax(logits[0])[1] + logSoftmax(logits[1])[0]) / 2;
    close(await first(crossEntropy.create({ labelSmoothing: 0 }, ctx)(tf.tensor2d(logits), tf.tensor1d(labels, 'int32'))), expected);
  });

  it('crossEntropy with label smoothing mixes in the uniform target, as torch', async () => {
    const eps = 0.1;
    const perRow = logits.map((row, i) => {
      const lp = logSoftmax(row);
      return -((1 - eps) * lp[labels[i]] + (eps / 3) * lp.reduce((a, b) => a + b, 0));
    });
    close(await first(crossEntropy.create({ labelSmoothing: eps }, ctx)(tf.tensor2d(logits), tf.tensor1d(labels, 'int32'))), (perRow[0] + perRow[1]) / 2);
  });

  it('nll = mean of -x[y] on log-probabilities', async () => {
    close(await first(nll.create({}, ctx)(tf.tensor2d(logits), tf.tensor1d(labels, 'int32'))), -(2.0 + -1.0) / 2);
  });

  it('multiMargin matches the torch docs example (0.3250)', async () => {
    // torch.nn.MultiMarginLoss docs: x = [[0.1, 0.2, 0.4, 0.8]], y = [3] → 0.3250
    close(await first(multiMargin.create({ p: 1, margin: 1 }, ctx)(tf.tensor2d([[0.1, 0.2, 0.4, 0.8]]), tf.tensor1d([3], 'int32'))), 0.325);
  });

  it('multiMargin with p = 2 squares each hinge', async () => {
    const expected = (0.3 ** 2 + 0.4 ** 2 + 0.6 ** 2) / 4; // hinges 1-0.8+0.1, 1-0.8+0.2, 1-0.8+0.4
    close(await first(multiMargin.create({ p: 2, margin: 1 }, ctx)(tf.tensor2d([[0.1, 0.2, 0.4, 0.8]]), tf.tensor1d([3], 'int32'))), expected);
  });

  it('mse and l1 average over every element', async () => {
    const out = tf.tensor2d([
      [1, 2],
      [3, 4],
    ]);
    const target = tf.tensor2d([
      [0, 2],
      [5, 1],
    ]);
    close(await first(mse.create({}, ctx)(out, target)), (1 + 0 + 4 + 9) / 4);
    close(await first(l1.create({}, ctx)(out, target)), (1 + 0 + 2 + 3) / 4);
  });

  it('declare what they compare with', async () => {
    assert.deepEqual(
      [crossEntropy, nll, multiMargin, mse, l1].map((l) => l.target),
      ['class', 'class', 'class', 'value', 'value'],
    );
  });

  // Values computed with torch 1.13 (torch.nn.SmoothL1Loss, BCELoss, BCEWithLogitsLoss, reduction mean).
  const output = [[0.2, -1.5, 3.0], [0.0, 0.7, -0.3]];
  const valueTarget = [[0.0, 0.5, 1.0], [1.0, 0.25, 0.0]];
  const run = (fn: (o: tf.Tensor, t: tf.Tensor) => tf.Scalar, o: number[][]) => first(fn(tf.tensor2d(o), tf.tensor2d(valueTarget)));

  it('smoothL1 = torch.nn.SmoothL1Loss(beta), beta 0 being the l1 loss', async () => {
    close(await run(smoothL1.create({ beta: 1 }, ctx), output), 0.6110416650772095);
    close(await run(smoothL1.create({ beta: 0.5 }, ctx), output), 0.7637500166893005);
    close(await run(smoothL1.create({ beta: 0 }, ctx), output), 0.9916666150093079);
  });

  it('bce = torch.nn.BCELoss, its logs clamped at -100 (a probability of exactly 0 or 1 costs 100)', async () => {
    close(await run(bce.create({}, ctx), [[0.1, 0.9, 1.0], [0.0, 0.5, 0.3]]), 17.059858322143555);
  });

  it('bceWithLogits = torch.nn.BCEWithLogitsLoss, stable for large logits', async () => {
    close(await run(bceWithLogits.create({}, ctx), output), 0.662304699420929);
    close(await run(bceWithLogits.create({}, ctx), output.map((row) => row.map((v) => v * 40))), 9.948914527893066);
  });
});

// The task (config/task.ts): inferred from the loss and the data, or said by task:; it picks the
// default metrics, and a metric of another task is an error at its position.
import assert from 'node:assert/strict';
import { normalize } from '../../src/config/normalize.js';
import { validate } from '../../src/config/validate.js';
import { impliedTask } from '../../src/config/task.js';
import type { ExperimentInput } from '../../src/config/types.js';
import { createRegistries } from '../../src/registry/index.js';
import { ProblemsError, formatPath } from '../../src/util/errors.js';

const registries = createRegistries();
const run = (data: Record<string, unknown>) => normalize(validate(data, registries), registries);
const base = (extra: Record<string, unknown> = {}) => ({
  name: 't',
  dataset: 'mnist-bundled',
  model: { layers: ['flatten', { type: 'dense', units: 10 }] },
  loss: 'crossEntropy',
  optimizers: ['sgd'],
  ...extra,
});
const denoising = (extra: Record<string, unknown> = {}) =>
  base({ dataset: { type: 'mnist-bundled', transforms: ['flatten', { type: 'addNoise', std: 0.3 }] }, model: { layers: [{ type: 'dense', units: 784 }] }, loss: 'mse', ...extra });
const csvRegression = { type: 'csv', train: 'a.csv', test: 'b.csv', targetColumns: [3] };

function problems(data: Record<string, unknown>): Record<string, string> {
  try {
    run(data);
    return {};
  } catch (error) {
    if (!(error instanceof ProblemsError)) throw error;
    return Object.fromEntries(error.problems.map((p) => [formatPath(p.path), p.message]));
  }
}

describe('config/task', () => {
  it('is inferred from the loss and the data', () => {
    const task = (data: Record<string, unknown>) => impliedTask(data as unknown as ExperimentInput, registries);
    assert.equal(task(base()), 'classification');
    assert.equal(task(base({ loss: 'mse' })), 'classification', 'mse against one-hot labels');
    assert.equal(task(denoising()), 'reconstruction');
    assert.equal(task(base({ dataset: csvRegression, loss: 'mse' })), 'regression');
    assert.equal(task(base({ dataset: { ...csvRegression, transforms: [{ type: 'addNoise' }] }, loss: 'l1' })), 'reconstruction', 'the last transform that says');
  });

  it('decides the default metrics, and task: overrides the inference', () => {
    assert.deepEqual(run(base()).metrics.map((m) => m.type), ['loss', 'accuracy']);
    assert.equal(run(base()).task, 'classification');
    assert.deepEqual(run(denoising()).metrics.map((m) => m.type), ['loss', 'mse', 'psnr', 'ssim']);
    assert.deepEqual(run(base({ dataset: csvRegression, loss: 'mse' })).metrics.map((m) => m.type), ['loss', 'mse']);
    assert.equal(run(denoising({ task: 'regression' })).task, 'regression');
    assert.deepEqual(run(denoising({ metrics: ['loss'] })).metrics.map((m) => m.type), ['loss'], 'metrics as written are kept');
  });

  it('a metric that does not fit the task is an error at its position', () => {
    assert.match(problems(denoising({ metrics: ['loss', 'accuracy'] }))['metrics[1]'] ?? '', /metric 'accuracy' does not fit a reconstruction task \(it fits classification\)/);
    assert.match(problems(base({ metrics: ['loss', { type: 'ssim' }] }))['metrics[1]'] ?? '', /metric 'ssim' does not fit a classification task/);
    assert.match(problems(denoising({ task: 'regression', metrics: ['ssim'] }))['metrics[0]'] ?? '', /does not fit a regression task.*set by task:/);
    assert.deepEqual(problems(denoising({ metrics: ['loss', 'mse', 'psnr', 'ssim'] })), {});
  });

  it('task: that the loss contradicts is an error at task', () => {
    assert.match(problems(base({ task: 'reconstruction' })).task ?? '', /loss 'crossEntropy' compares the output with class labels, so the task is classification \(got reconstruction\)/);
    assert.deepEqual(problems(base({ task: 'classification' })), {});
  });
});

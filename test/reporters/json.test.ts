import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { JsonReporter } from '../../src/reporters/json.js';
import { makePlan } from '../../src/config/plan.js';
import type { Experiment } from '../../src/config/types.js';
import type { RunEvent } from '../../src/run-log/types.js';
import { readEventLog } from '../../src/run-log/events-file.js';
import { foldEvents } from '../../src/run-log/fold.js';
import { createRunDir } from '../../src/runner/run-dir.js';
import { makeTempDir } from '../run-helpers.js';

const config = {
  name: 'j',
  description: 'd',
  plugins: [],
  dataset: { type: 'mnist-bundled', transforms: [] },
  model: { layers: [] },
  loss: { type: 'crossEntropy' },
  optimizers: [{ name: 'SGD', type: 'sgd', lr: 0.1 }],
  metrics: [],
  training: { epochs: 1, batchSize: 10, shuffle: true, evalBatchSize: 100, logEvery: 0 },
  seeds: [3],
  backend: { type: 'wasm' },
} as Experiment;

describe('reporters/json', () => {
  it('writes plan.json, appends events.jsonl and keeps metrics.json current after each trial', async () => {
    const plan = makePlan(config, { sampleShape: [2], classes: 2, trainSize: 20, testSize: 10, source: 't' }, { file: 'j.yaml', overrides: ['training.epochs=1'], pluginModules: [] });
    const { dir, lock } = await createRunDir(makeTempDir(), 'j', plan);
    const reporter = new JsonReporter(dir, plan);
    assert.deepEqual(JSON.parse(readFileSync(join(dir, 'plan.json'), 'utf8')), plan);
    const time = new Date().toISOString();
    const events: RunEvent[] = [
      { type: 'runStart', time, experiment: 'j', runDir: dir, backend: 'wasm', backendsTried: [], trials: 1, workers: 1, epochs: 1, stepsPerEpoch: 2 },
      { type: 'trialStart', time, trialId: 'sgd/seed-3', name: 'SGD', seed: 3 },
      { type: 'epochEnd', time, trialId: 'sgd/seed-3', epoch: 1, trainLoss: Number.NaN, testLoss: 1, testAccuracy: 0.5, lr: 0.1, seconds: 1, cumulativeSeconds: 1, steps: 2 },
      { type: 'trialEnd', time, trialId: 'sgd/seed-3', status: 'diverged', reason: 'training loss became NaN at epoch 1', epochs: 1 },
    ];
    for (const event of events) await reporter.onEvent(event);
    const midway = JSON.parse(readFileSync(join(dir, 'metrics.json'), 'utf8'));
    assert.equal(midway.status, 'running');
    assert.equal(midway.trials[0].status, 'diverged');
    assert.equal(midway.trials[0].error, 'training loss became NaN at epoch 1');
    assert.equal(midway.trials[0].epochs[0].trainLoss, null, 'NaN is written as null');
    assert.equal(midway.environment.node, process.version);
    await reporter.onEvent({ type: 'runEnd', time, status: 'ok', seconds: 2 });
    const final = JSON.parse(readFileSync(join(dir, 'metrics.json'), 'utf8'));
    assert.equal(final.status, 'ok');
    assert.equal(final.seconds, 2);
    const lines = readFileSync(join(dir, 'events.jsonl'), 'utf8').trim().split('\n');
    assert.deepEqual(
      lines.map((l) => JSON.parse(l).type),
      ['runStart', 'trialStart', 'epochEnd', 'trialEnd', 'runEnd'],
    );
    assert.deepEqual(foldEvents(plan, (await readEventLog(dir)).events), final, 'metrics.json is the fold of events.jsonl');
    lock.release();
    assert.deepEqual(readdirSync(dir).sort(), ['events.jsonl', 'metrics.json', 'plan.json'], 'no temp files left');
  });
});

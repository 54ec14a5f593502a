// A study end to end: seeds × a sweep on a few hundred digits, each trial with its own config; a
// diverged trial does not end the study and is counted, never averaged.
import assert from 'node:assert/strict';
import { readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { cliInProcess, makeTempDir, smallLecture, writeExperiment } from '../run-helpers.js';

describe('trainyard run: a study (seeds x sweep points)', function () {
  this.timeout(300000);
  const dir = makeTempDir();
  const out = join(dir, 'runs');
  let result: Awaited<ReturnType<typeof cliInProcess>>;
  let metrics: any;
  let plan: any;

  before(async () => {
    const yaml = smallLecture({
      name: 'study',
      epochs: 1,
      seeds: '{count: 2}',
      optimizers: '  - {name: Adam, type: adam, lr: 0.001}\n  - {name: Wild, type: sgd, lr: 1.0e+6}',
      extra: 'sweep:\n  grid:\n    training.batchSize: [20, 100]\ntargets: {metric: testAccuracy, values: [0.05]}\n',
    }).replace('training: {epochs: 1, batchSize: 50}', 'training: {epochs: 1, batchSize: 50, divergeAbove: 1000}');
    result = await cliInProcess(['run', writeExperiment(dir, 'study', yaml), '--out', out, '--no-report']);
    const runDir = join(out, 'study', readlinkSync(join(out, 'study', 'latest')));
    metrics = JSON.parse(readFileSync(join(runDir, 'metrics.json'), 'utf8'));
    plan = JSON.parse(readFileSync(join(runDir, 'plan.json'), 'utf8'));
  });

  it('trains every trial at its own point: the batch size of the point sets its steps', () => {
    assert.equal(result.code, 0, result.stderr);
    const steps = Object.fromEntries(metrics.trials.map((t: any) => [t.id, t.epochs[0]?.steps]));
    assert.equal(steps['adam/seed-0/training.batchSize=20'], 15, '300 samples in batches of 20');
    assert.equal(steps['adam/seed-1/training.batchSize=100'], 3);
    assert.deepEqual(plan.trials.find((t: any) => t.id === 'adam/seed-1/training.batchSize=100').point, { 'training.batchSize': 100 });
  });

  it('a diverged trial ends the trial, not the study; the end counts ok / diverged / failed', () => {
    assert.equal(metrics.status, 'ok');
    assert.ok(metrics.trials.filter((t: any) => t.name === 'Wild').every((t: any) => t.status === 'diverged'));
    assert.match(result.stdout, /^8 trials: 4 ok, 4 diverged, 0 failed$/m);
  });

  it('metrics.json holds the groups: n over the ok trials, the diverged counted beside it, a seeded interval', () => {
    const adam = metrics.groups.find((g: any) => g.key.optimizer === 'Adam' && g.key['training.batchSize'] === 20);
    assert.deepEqual([adam.n, adam.diverged, adam.failed, adam.trials.length], [2, 0, 0, 2]);
    assert.deepEqual(adam.final.testAccuracy.bootstrap, { resamples: 10000, seed: 0 });
    assert.ok(adam.final.testAccuracy.ci95[0] <= adam.final.testAccuracy.mean && adam.final.testAccuracy.mean <= adam.final.testAccuracy.ci95[1]);
    const wild = metrics.groups.find((g: any) => g.key.optimizer === 'Wild' && g.key['training.batchSize'] === 20);
    assert.deepEqual([wild.n, wild.diverged], [0, 2]);
    assert.equal(adam.targets[0].of, 2);
    assert.equal(metrics.selection.length, 2);
    assert.equal(metrics.comparisons[0].n, 2, 'the diverged trials lose their pairs');
    assert.equal(metrics.comparisons[0].pWin, 1);
  });
});

describe('trainyard run --resume RUN_DIR --set seeds.count=N: a study grows', function () {
  this.timeout(300000);
  const dir = makeTempDir();
  const out = join(dir, 'runs');
  let file: string;
  let runDir: string;

  before(async () => {
    file = writeExperiment(dir, 'grow', smallLecture({ name: 'grow', epochs: 1, seeds: '{count: 1}', optimizers: '  - {name: Adam, type: adam, lr: 0.001}' }));
    const first = await cliInProcess(['run', file, '--out', out, '--no-report']);
    assert.equal(first.code, 0, first.stderr);
    runDir = join(out, 'grow', readlinkSync(join(out, 'grow', 'latest')));
  });

  it('trains only the new trials and keeps the finished ones', async () => {
    const before = readFileSync(join(runDir, 'checkpoints', 'adam', 'seed-0', 'result.json'), 'utf8');
    const grown = await cliInProcess(['run', '--resume', runDir, '--set', 'seeds.count=3', '--no-report']);
    assert.equal(grown.code, 0, grown.stderr);
    assert.match(grown.stdout, /the study grows by 2 trials \(3 in all\); the 1 it has are kept/);
    const events = readFileSync(join(runDir, 'events.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    const secondStart = events.map((e) => e.type).lastIndexOf('runStart');
    assert.deepEqual(events.slice(secondStart).filter((e) => e.type === 'trialStart').map((e) => e.trialId).sort(), ['adam/seed-1', 'adam/seed-2']);
    assert.equal(readFileSync(join(runDir, 'checkpoints', 'adam', 'seed-0', 'result.json'), 'utf8'), before, 'the finished trial is not trained again');
    const metrics = JSON.parse(readFileSync(join(runDir, 'metrics.json'), 'utf8'));
    assert.deepEqual(metrics.trials.map((t: any) => [t.id, t.status]), [['adam/seed-0', 'ok'], ['adam/seed-1', 'ok'], ['adam/seed-2', 'ok']]);
    assert.equal(metrics.groups[0].n, 3);
    const plan = JSON.parse(readFileSync(join(runDir, 'plan.json'), 'utf8'));
    assert.deepEqual(plan.config.seeds, [0, 1, 2]);
    assert.deepEqual(plan.overrides, ['seeds.count=3']);
  });

  it('refuses to change what a trial does (anything but seeds and sweep)', async () => {
    const refused = await cliInProcess(['run', '--resume', runDir, '--set', 'training.epochs=5']);
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /--set may only grow the study \(seeds, sweep, limits\.maxTrials\)/);
  });
});

import assert from 'node:assert/strict';
import { readFileSync, readdirSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cli, cliInProcess, smallLecture, makeTempDir, withoutTiming, writeExperiment } from '../run-helpers.js';
import { readEventLog } from '../../src/run-log/events-file.js';
import { foldEvents } from '../../src/run-log/fold.js';

function runDirOf(out: string, experiment: string): string {
  return join(out, experiment, readlinkSync(join(out, experiment, 'latest')));
}

const readJson = (path: string) => JSON.parse(readFileSync(path, 'utf8'));
const readEvents = (dir: string) =>
  readFileSync(join(dir, 'events.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line));

describe('trainyard run (end to end, a few hundred bundled digits)', function () {
  this.timeout(120000);
  const dir = makeTempDir();
  const out = join(dir, 'runs');
  let runDir: string;
  let result: Awaited<ReturnType<typeof cliInProcess>>;

  before(async () => {
    const file = writeExperiment(dir, 'small', smallLecture());
    // The default: trials in worker threads.
    result = await cliInProcess(['run', file, '--out', out]);
    runDir = runDirOf(out, 'small-lecture');
  });

  it('exits 0 and prints a line per finished epoch of each trial, and a summary', () => {
    assert.equal(result.code, 0, result.stderr);
    for (const name of ['SGD', 'SGD with momentum', 'Adam']) assert.match(result.stdout, new RegExp(`epoch 1 \\| ${name} loss \\d+\\.\\d+ acc \\d\\.\\d+\n`));
    assert.match(result.stdout, /^3 trials, about \d+ seconds on wasm with 3 workers$/m, 'the estimate before it starts');
    assert.match(result.stdout, /epoch 2 \|/);
    assert.match(result.stdout, /trials on wasm/);
    assert.match(result.stdout, /Adam \(seed 0\)\s+ok\s+2/);
  });

  it('writes plan.json in the shape design.md gives', () => {
    const plan = readJson(join(runDir, 'plan.json'));
    assert.equal(plan.formatVersion, 1);
    assert.equal(plan.experiment.name, 'small-lecture');
    assert.deepEqual(
      plan.trials.map((t: any) => t.id),
      ['sgd/seed-0', 'sgd-with-momentum/seed-0', 'adam/seed-0'],
    );
    assert.equal(plan.data.trainSize, 300);
    assert.equal(plan.config.training.epochs, 2);
  });

  it('writes metrics.json with every trial and epoch', () => {
    const metrics = readJson(join(runDir, 'metrics.json'));
    assert.equal(metrics.status, 'ok');
    assert.equal(metrics.environment.backend, 'wasm');
    assert.deepEqual(
      metrics.environment.backendsTried.map((t: any) => t.name),
      [],
      'an explicit backend tries nothing else',
    );
    assert.ok(metrics.seconds > 0 && Date.parse(metrics.finishedAt) >= Date.parse(metrics.startedAt));
    assert.equal(metrics.trials.length, 3);
    for (const trial of metrics.trials) {
      assert.equal(trial.status, 'ok');
      assert.equal(trial.epochs.length, 2);
      trial.epochs.forEach((e: any, i: number) => {
        assert.equal(e.epoch, i + 1);
        assert.equal(e.steps, 6 * (i + 1), '300 samples / batch 50 = 6 steps an epoch');
        for (const key of ['trainLoss', 'testLoss', 'testAccuracy', 'lr', 'seconds', 'cumulativeSeconds']) assert.equal(typeof e[key], 'number', key);
        assert.ok(e.testAccuracy >= 0 && e.testAccuracy <= 1);
      });
      assert.ok(trial.epochs[1].trainLoss < trial.epochs[0].trainLoss, `${trial.id} learns`);
    }
    assert.equal(metrics.trials[0].optimizer.lr, 0.05);
  });

  it('appends every event to events.jsonl in order', () => {
    const events = readEvents(runDir);
    assert.equal(events[0].type, 'runStart');
    assert.equal(events[events.length - 1].type, 'runEnd');
    assert.equal(events.filter((e) => e.type === 'trialStart').length, 3);
    assert.equal(events.filter((e) => e.type === 'epochEnd').length, 6);
    assert.equal(events.filter((e) => e.type === 'trialEnd').length, 3);
    for (const e of events) assert.ok(!Number.isNaN(Date.parse(e.time)), 'every event has a time');
    const adam = events.filter((e) => e.trialId === 'adam/seed-0').map((e) => e.type);
    assert.deepEqual(adam, ['trialStart', 'epochEnd', 'epochEnd', 'trialEnd']);
  });

  it('metrics.json is the fold of events.jsonl (the one fold every reader uses)', async () => {
    const plan = readJson(join(runDir, 'plan.json'));
    assert.deepEqual(foldEvents(plan, (await readEventLog(runDir)).events), readJson(join(runDir, 'metrics.json')));
  });

  it('never reuses a run directory: a second run gets a new one and latest moves', async () => {
    const file = writeExperiment(dir, 'small', smallLecture({ epochs: 1 }));
    assert.equal((await cliInProcess(['run', file, '--out', out, '--quiet', '--workers', '0', '--no-report'])).code, 0);
    const runs = readdirSync(join(out, 'small-lecture')).filter((d) => d !== 'latest');
    assert.equal(runs.length, 2);
    assert.notEqual(runDirOf(out, 'small-lecture'), runDir);
    assert.ok(readJson(join(runDir, 'metrics.json')).trials[0].epochs.length === 2, 'the old run is untouched');
  });
});

describe('trainyard run: determinism, divergence, failures', function () {
  this.timeout(180000);
  const dir = makeTempDir();

  it('gives identical metrics (timing aside) for the same seed and backend: three worker threads, one, or this thread', async () => {
    const file = writeExperiment(dir, 'det', smallLecture({ name: 'det' }));
    const a = join(dir, 'a');
    const b = join(dir, 'b');
    const c = join(dir, 'c');
    assert.equal((await cliInProcess(['run', file, '--out', a, '--quiet', '--no-report'])).code, 0);
    assert.equal((await cliInProcess(['run', file, '--out', b, '--quiet', '--workers', '1', '--no-report'])).code, 0);
    assert.equal((await cliInProcess(['run', file, '--out', c, '--quiet', '--workers', '0', '--no-report'])).code, 0);
    assert.deepEqual(withoutTiming(readJson(join(runDirOf(c, 'det'), 'metrics.json'))), withoutTiming(readJson(join(runDirOf(a, 'det'), 'metrics.json'))));
    const ma = readJson(join(runDirOf(a, 'det'), 'metrics.json'));
    const mb = readJson(join(runDirOf(b, 'det'), 'metrics.json'));
    assert.deepEqual(withoutTiming(mb), withoutTiming(ma));
  });

  it('wasm-blas: identical metrics with three workers calling OpenBLAS at once and with one', async function () {
    const file = writeExperiment(dir, 'det-blas', smallLecture({ name: 'det-blas' }).replace('backend: wasm', 'backend: wasm-blas'));
    const a = join(dir, 'blas-a');
    const b = join(dir, 'blas-b');
    const first = await cliInProcess(['run', file, '--out', a, '--quiet', '--workers', '3', '--no-report']);
    if (first.code === 2 && /backend 'wasm-blas' cannot run/.test(first.stderr) && !process.env.CI) this.skip();
    assert.equal(first.code, 0, first.stderr);
    assert.equal((await cliInProcess(['run', file, '--out', b, '--quiet', '--workers', '0', '--no-report'])).code, 0);
    const ma = readJson(join(runDirOf(a, 'det-blas'), 'metrics.json'));
    const mb = readJson(join(runDirOf(b, 'det-blas'), 'metrics.json'));
    assert.equal(ma.environment.backend, 'wasm-blas');
    assert.deepEqual(withoutTiming(mb), withoutTiming(ma));
  });

  it('a different seed gives different results', async () => {
    const file = writeExperiment(dir, 'seeds', smallLecture({ name: 'seeds', seeds: '[0, 1]', epochs: 1, optimizers: '  - {type: adam}' }));
    const out = join(dir, 'seeds-out');
    assert.equal((await cliInProcess(['run', file, '--out', out, '--quiet', '--workers', '0', '--no-report'])).code, 0);
    const [s0, s1] = readJson(join(runDirOf(out, 'seeds'), 'metrics.json')).trials;
    assert.deepEqual([s0.id, s1.id], ['adam/seed-0', 'adam/seed-1']);
    assert.notEqual(s0.epochs[0].trainLoss, s1.epochs[0].trainLoss);
  });

  it('marks an SGD trial at lr 1e6 diverged and lets the others finish (exit 0)', async () => {
    const optimizers = `  - {name: SGD huge lr, type: sgd, lr: 1.0e6}
  - {name: Adam, type: adam, lr: 0.001}`;
    // The lecture's MLP: its logits overflow float32 within a few steps at this rate.
    const lecture = smallLecture({ name: 'div', optimizers, epochs: 3 }).replace('{type: dense, units: 32}, relu', '{type: dense, units: 400}, relu, {type: dense, units: 256}, relu');
    const file = writeExperiment(dir, 'div', lecture);
    const out = join(dir, 'div-out');
    const result = await cliInProcess(['run', file, '--out', out, '--workers', '0', '--no-report']);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /sgd-huge-lr\/seed-0: diverged: training loss became NaN at epoch 1/);
    const metrics = readJson(join(runDirOf(out, 'div'), 'metrics.json'));
    const [sgd, adam] = metrics.trials;
    assert.equal(sgd.status, 'diverged');
    assert.equal(sgd.epochs.length, 1);
    assert.match(sgd.error, /NaN/);
    assert.equal(adam.status, 'ok');
    assert.equal(adam.epochs.length, 3);
  });

  it('divergeAbove marks a trial whose loss is above it', async () => {
    const file = writeExperiment(dir, 'above', smallLecture({ name: 'above', epochs: 2, optimizers: '  - {type: sgd, lr: 0.0001}', extra: '' }).replace('batchSize: 50}', 'batchSize: 50, divergeAbove: 1.0}'));
    const out = join(dir, 'above-out');
    assert.equal((await cliInProcess(['run', file, '--out', out, '--quiet', '--workers', '0', '--no-report'])).code, 0);
    const [trial] = readJson(join(runDirOf(out, 'above'), 'metrics.json')).trials;
    assert.equal(trial.status, 'diverged');
    assert.match(trial.error, /exceeded divergeAbove \(1\)/);
  });

  it('marks a trial whose worker thread dies failed, and the run goes on in a new worker', () => {
    const plugin = join(dir, 'crash.mjs');
    writeFileSync(
      plugin,
      `export default [{ kind: 'optimizer', type: 'crash', summary: 'ends its worker thread on its first step',
        params: { type: 'object', properties: { lr: { type: 'number', default: 0.1 } }, additionalProperties: false },
        create: () => ({ step() { process.exit(3); }, getState: () => ({ step: 0, buffers: {} }), setState() {}, dispose() {} }) }];\n`,
    );
    const optimizers = `  - {type: crash}
  - {type: adam}
  - {type: sgd, lr: 0.05}`;
    const file = writeExperiment(dir, 'crash', smallLecture({ name: 'crash', optimizers, epochs: 1, extra: 'plugins: [./crash.mjs]' }));
    const out = join(dir, 'crash-out');
    const result = cli(['run', file, '--out', out, '--workers', '1', '--quiet']);
    assert.equal(result.code, 1);
    const metrics = readJson(join(runDirOf(out, 'crash'), 'metrics.json'));
    assert.equal(metrics.trials[0].status, 'failed');
    assert.match(metrics.trials[0].error, /worker thread exited unexpectedly/);
    assert.deepEqual(
      metrics.trials.slice(1).map((t: any) => [t.status, t.epochs.length]),
      [
        ['ok', 1],
        ['ok', 1],
      ],
    );
  });

  it('marks a trial that throws failed, runs the others, and exits 1', async () => {
    const plugin = join(dir, 'boom.mjs');
    writeFileSync(
      plugin,
      `export default [{ kind: 'optimizer', type: 'boom', summary: 'throws on its first step',
        params: { type: 'object', properties: { lr: { type: 'number', default: 0.1 } }, additionalProperties: false },
        create: () => ({ step() { throw new Error('boom at step 1'); }, getState: () => ({ step: 0, buffers: {} }), setState() {}, dispose() {} }) }];\n`,
    );
    const optimizers = `  - {type: boom}
  - {type: adam}`;
    const file = writeExperiment(dir, 'fail', smallLecture({ name: 'fail', optimizers, epochs: 1, extra: 'plugins: [./boom.mjs]' }));
    const out = join(dir, 'fail-out');
    const result = await cliInProcess(['run', file, '--out', out, '--workers', '0', '--no-report']);
    assert.equal(result.code, 1);
    assert.match(result.stdout, /boom\/seed-0: failed: boom at step 1/);
    assert.doesNotMatch(result.stdout + result.stderr, /\n\s+at /, 'no stack trace');
    const metrics = readJson(join(runDirOf(out, 'fail'), 'metrics.json'));
    assert.equal(metrics.status, 'failed');
    assert.equal(metrics.trials[0].status, 'failed');
    assert.equal(metrics.trials[0].error, 'boom at step 1');
    assert.equal(metrics.trials[1].status, 'ok');
  });
});

// Faults of a queued run (`npm run test:faults`): a worker SIGKILLed mid-trial, the coordinator
// SIGKILLed and resumed, Redis lost mid-run. Each ends with the metrics of an uninterrupted local
// run on every non-timing field, and no epoch lost or repeated.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { assertNothingCorrupt, epochNumbers, makeTempDir, readJson, runDirOf, trainyard, writeExperiment } from './helpers.js';
import { requireRedis, startRedis, type TestRedis } from '../redis-server.js';
import { comparable, startWorker, trainyardProc, type Proc } from '../queue-helpers.js';

const events = (runDir: string): any[] => readFileSync(join(runDir, 'events.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Each trial's epochEnd lines in the log: every epoch exactly once. */
function assertEachEpochLoggedOnce(runDir: string, trials: number, epochs: number): void {
  const seen = new Map<string, number[]>();
  for (const e of events(runDir)) if (e.type === 'epochEnd') seen.set(e.trialId, [...(seen.get(e.trialId) ?? []), e.epoch]);
  assert.equal(seen.size, trials);
  for (const [id, list] of seen) assert.deepEqual(list, Array.from({ length: epochs }, (_, i) => i + 1), id);
}

const experiment = (name: string, epochs: number, seeds = '[0, 1]') => `name: ${name}
dataset: {type: mnist-bundled, trainSize: 300, testSize: 100}
model:
  layers: [flatten, {type: dense, units: 24}, relu, {type: dense, units: 10}]
loss: crossEntropy
optimizers:
  - {name: SGD, type: sgd, lr: 0.05, momentum: 0.9}
  - {name: Adam, type: adam, lr: 0.001}
training: {epochs: ${epochs}, batchSize: 50}
seeds: ${seeds}
backend: wasm
`;

describe('faults: a queued run', function () {
  this.timeout(300000);
  let redis: TestRedis;
  const procs: Proc[] = [];
  const dir = makeTempDir();
  const local = new Map<string, any>();

  /** The metrics of the same experiment run locally, uninterrupted. */
  function reference(file: string, name: string): any {
    if (!local.has(name)) {
      const r = trainyard(['run', file, '--out', join(dir, 'local'), '--no-report', '--quiet']);
      assert.equal(r.code, 0, r.stdout + r.stderr);
      local.set(name, readJson(join(runDirOf(join(dir, 'local'), name), 'metrics.json')));
    }
    return local.get(name);
  }

  before(async function () {
    requireRedis(this);
    redis = await startRedis();
  });
  afterEach(async () => {
    for (const p of procs.splice(0)) await p.kill();
  });
  after(async () => {
    await redis?.stop();
  });

  it('a worker SIGKILLed mid-trial: its job is found stalled and another worker finishes the trial from its checkpoint (in a shared --store)', async () => {
    const file = writeExperiment(dir, 'worker-killed', experiment('worker-killed', 3, '[0]'));
    const shared = join(dir, 'shared-store');
    // Killed right after its first trial's second checkpoint, before that epoch's event: the hardest moment.
    const doomed = await startWorker(redis.url, ['--name', 'doomed', '--store', shared], { TRAINYARD_FAILPOINT: 'kill@checkpoint#2' });
    procs.push(doomed);
    const coordinator = trainyardProc(['run', file, '--out', join(dir, 'runs'), '--no-report', '--store', shared], { TRAINYARD_QUEUE: redis.url });
    procs.push(coordinator);
    assert.equal((await doomed.exited).signal, 'SIGKILL');
    const stored = join(shared, 'worker-killed', runDirOf(join(dir, 'runs'), 'worker-killed').split('/').pop()!, 'checkpoints');
    assert.ok(existsSync(stored), 'the checkpoints are in the shared directory');
    procs.push(await startWorker(redis.url, ['--name', 'survivor', '--store', shared]));
    const done = await coordinator.exited;
    assert.equal(done.code, 0, done.output);
    const runDir = runDirOf(join(dir, 'runs'), 'worker-killed');
    const metrics = readJson(join(runDir, 'metrics.json'));
    assert.deepEqual(comparable(metrics), comparable(reference(file, 'worker-killed')));
    assert.deepEqual(epochNumbers(metrics), [[1, 2, 3], [1, 2, 3]]);
    const moved = metrics.trials.find((t: any) => t.workers.length === 2);
    assert.deepEqual(moved?.workers, [{ name: 'doomed', fromEpoch: 1 }, { name: 'survivor', fromEpoch: 3 }]);
    const restart = events(runDir).find((e) => e.type === 'trialStart' && e.trialId === moved.id && e.worker === 'survivor');
    assert.equal(restart.resumedFrom, 2);
    assertEachEpochLoggedOnce(runDir, 2, 3);
    assertNothingCorrupt(runDir);
  });

  it('the coordinator SIGKILLed mid-run and resumed: the workers went on, no trial or epoch lost or repeated', async () => {
    const file = writeExperiment(dir, 'coordinator-killed', experiment('coordinator-killed', 3));
    procs.push(await startWorker(redis.url, ['--name', 'w1']));
    const first = trainyardProc(['run', file, '--out', join(dir, 'runs'), '--no-report'], { TRAINYARD_QUEUE: redis.url, TRAINYARD_FAILPOINT: 'kill@append:epochEnd#3' });
    assert.equal((await first.exited).signal, 'SIGKILL');
    const runDir = runDirOf(join(dir, 'runs'), 'coordinator-killed');
    assert.ok(existsSync(join(runDir, '.lock')), 'killed: its lock is left, stale');
    await sleep(1500); // the worker trains on meanwhile
    const resumed = trainyard(['run', '--resume', runDir, '--no-report'], { TRAINYARD_QUEUE: redis.url });
    assert.equal(resumed.code, 0, resumed.stdout + resumed.stderr);
    const metrics = readJson(join(runDir, 'metrics.json'));
    assert.equal(metrics.status, 'ok');
    assert.deepEqual(comparable(metrics), comparable(reference(file, 'coordinator-killed')));
    assertEachEpochLoggedOnce(runDir, 4, 3);
    assertNothingCorrupt(runDir);
    for (const t of metrics.trials) assert.ok(existsSync(join(runDir, 'weights', t.id, 'weights.json')), t.id);
  });

  it('Redis restarted empty within the wait: the coordinator finds its trials gone from the queue and enqueues them again', async () => {
    const file = writeExperiment(dir, 'redis-restarted', experiment('redis-restarted', 6));
    const worker = await startWorker(redis.url, ['--name', 'w4']);
    procs.push(worker);
    const coordinator = trainyardProc(['run', file, '--out', join(dir, 'runs'), '--no-report'], { TRAINYARD_QUEUE: redis.url, TRAINYARD_QUEUE_LOST_MS: '60000' });
    procs.push(coordinator);
    await coordinator.waitFor(/run directory: /);
    const runDir = runDirOf(join(dir, 'runs'), 'redis-restarted');
    while (!events(runDir).some((e) => e.type === 'epochEnd')) await sleep(50);
    await redis.kill();
    await redis.restart();
    const done = await coordinator.exited;
    assert.equal(done.code, 0, done.output);
    assert.match(done.output, /vanished from the queue \(Redis restarted\?\): enqueued again/);
    const metrics = readJson(join(runDir, 'metrics.json'));
    assert.deepEqual(comparable(metrics), comparable(reference(file, 'redis-restarted')));
    assert.deepEqual(epochNumbers(metrics), Array(4).fill([1, 2, 3, 4, 5, 6]));
    assertNothingCorrupt(runDir);
  });

  it('Redis lost mid-run: the coordinator waits its bounded time, exits 1 with a resumable run; resumed on a restarted Redis it finishes', async () => {
    const file = writeExperiment(dir, 'redis-lost', experiment('redis-lost', 6));
    const worker = await startWorker(redis.url, ['--name', 'w2']);
    procs.push(worker);
    const coordinator = trainyardProc(['run', file, '--out', join(dir, 'runs'), '--no-report'], { TRAINYARD_QUEUE: redis.url });
    procs.push(coordinator);
    await coordinator.waitFor(/run directory: /);
    const runDir = runDirOf(join(dir, 'runs'), 'redis-lost');
    while (!events(runDir).some((e) => e.type === 'epochEnd')) await sleep(50);
    await redis.kill();
    const lost = await coordinator.exited;
    assert.equal(lost.code, 1, lost.output);
    assert.match(lost.output, /does not answer \(the connection is lost\); waiting up to 3 s/);
    assert.match(lost.output, new RegExp(`lost the queue at redis://127\\.0\\.0\\.1:${redis.port}/0 for \\d+ s \\(the connection is lost\\): the run stopped`));
    assert.ok(lost.output.includes(`continue with: trainyard run --resume ${runDir}`), lost.output);
    const stopped = readJson(join(runDir, 'metrics.json'));
    assert.equal(stopped.status, 'failed');
    assert.match(stopped.error, /lost the queue/);
    assertNothingCorrupt(runDir);
    // A Redis without persistence comes back empty: the queue and its records are gone, the run directory is not.
    await worker.kill();
    await redis.restart();
    procs.push(await startWorker(redis.url, ['--name', 'w3']));
    const resumed = trainyard(['run', '--resume', runDir, '--no-report'], { TRAINYARD_QUEUE: redis.url });
    assert.equal(resumed.code, 0, resumed.stdout + resumed.stderr);
    const metrics = readJson(join(runDir, 'metrics.json'));
    assert.deepEqual(comparable(metrics), comparable(reference(file, 'redis-lost')));
    assert.deepEqual(epochNumbers(metrics), Array(4).fill([1, 2, 3, 4, 5, 6]));
    assertNothingCorrupt(runDir);
    assert.equal(lost.output.includes(redis.password) || resumed.stdout.includes(redis.password) || resumed.stderr.includes(redis.password), false);
  });
});

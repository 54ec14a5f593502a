// trainyard run --queue and trainyard worker, end to end: a Redis of the test's own, worker
// processes, the coordinator as a user runs it. The kills and a lost Redis are in test/faults/queue.test.ts.
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cli, makeTempDir, ROOT, writeExperiment } from '../run-helpers.js';
import { requireRedis, startRedis, type TestRedis } from '../redis-server.js';
import { comparable, startWorker, trainyardProc, type Proc } from '../queue-helpers.js';

const readJson = (path: string): any => JSON.parse(readFileSync(path, 'utf8'));
const latest = (out: string, name: string) => join(out, name, 'latest');
const filesBelow = (dir: string): string[] => readdirSync(dir).flatMap((n) => (statSync(join(dir, n)).isDirectory() ? filesBelow(join(dir, n)) : [join(dir, n)]));
const events = (runDir: string): any[] => readFileSync(join(runDir, 'events.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));

/** 2 optimizers × 2 seeds on 200 bundled digits, 2 epochs. */
const study = (name: string, extra = '') => `name: ${name}
dataset: {type: mnist-bundled, trainSize: 200, testSize: 100}
model:
  layers: [flatten, {type: dense, units: 16}, relu, {type: dense, units: 10}]
loss: crossEntropy
optimizers:
  - {name: SGD, type: sgd, lr: 0.05, momentum: 0.9}
  - {name: Adam, type: adam, lr: 0.001}
training: {epochs: 2, batchSize: 50}
seeds: [0, 1]
backend: wasm
${extra}`;

describe('commands: run --queue and worker', function () {
  this.timeout(180000);
  let redis: TestRedis;
  const workers: Proc[] = [];
  const dir = makeTempDir();

  before(async function () {
    requireRedis(this);
    redis = await startRedis();
  });
  afterEach(async () => {
    for (const w of workers.splice(0)) await w.kill();
  });
  after(async () => {
    await redis?.stop();
  });

  it('a study on two worker processes: metrics identical to a local run, trial by trial; the password appears nowhere', async () => {
    const file = writeExperiment(dir, 'study', study('study'));
    workers.push(await startWorker(redis.url, ['--name', 'w-a']), await startWorker(redis.url, ['--name', 'w-b']));
    const coordinator = trainyardProc(['run', file, '--out', join(dir, 'queued')], { TRAINYARD_QUEUE: redis.url });
    const done = await coordinator.exited;
    assert.equal(done.code, 0, done.output);
    const local = cli(['run', file, '--out', join(dir, 'local'), '--no-report', '--quiet']);
    assert.equal(local.code, 0, local.stderr);
    const runDir = latest(join(dir, 'queued'), 'study');
    const queued = readJson(join(runDir, 'metrics.json'));
    assert.equal(queued.status, 'ok');
    assert.deepEqual(comparable(queued), comparable(readJson(join(latest(join(dir, 'local'), 'study'), 'metrics.json'))));
    // The run directory is a local run's: results, final weights, report; the worker of each trial at trial level.
    for (const t of queued.trials) {
      assert.ok(existsSync(join(runDir, 'checkpoints', t.id, 'result.json')), t.id);
      assert.ok(existsSync(join(runDir, 'weights', t.id, 'weights.json')), t.id);
      // The torch state_dict comes back from the worker too, byte for byte the local run's.
      const torch = (root: string) => readFileSync(join(root, 'weights', t.id, 'model.safetensors'));
      assert.ok(torch(runDir).equals(torch(latest(join(dir, 'local'), 'study'))), `${t.id}: model.safetensors`);
      assert.equal(t.workers.length, 1);
      assert.match(t.workers[0].name, /^w-[ab]$/);
      for (const e of t.epochs) assert.equal('worker' in e || 'streamId' in e, false, 'never inside an epoch record');
    }
    assert.ok(existsSync(join(runDir, 'report.html')));
    assert.ok(events(runDir).filter((e) => e.type === 'trialStart').every((e) => /^w-[ab]$/.test(e.worker)), 'trialStart names the worker');
    assert.equal(readJson(join(runDir, 'plan.json')).queue.url, `redis://127.0.0.1:${redis.port}/0`);
    // The password: not in any file of the run (report included), not in any output.
    for (const f of filesBelow(runDir)) assert.equal(readFileSync(f).includes(redis.password), false, f);
    assert.equal(done.output.includes(redis.password), false);
    for (const w of workers) assert.equal(w.output().includes(redis.password), false);
    const status = cli(['queue', 'status', redis.url]);
    assert.equal(status.code, 0, status.stderr);
    assert.match(status.stdout, /study\/\S+\s+0\s+0\s+4\s+0\n/, 'the run: none waiting or running, 4 done, none failed');
    assert.equal(status.stdout.includes(redis.password) || status.stderr.includes(redis.password), false);
  });

  it('Redis unreachable at start: exit 2 with a clear error, no run directory', async () => {
    const file = writeExperiment(dir, 'nowhere', study('nowhere'));
    const dead = await startRedis();
    await dead.stop();
    const result = cli(['run', file, '--out', join(dir, 'nowhere-out'), '--queue', dead.url]);
    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stderr, new RegExp(`cannot reach the queue at redis://127\\.0\\.0\\.1:${dead.port}/0 \\(.*ECONNREFUSED.*waited 5 s\\)`));
    assert.equal(result.stderr.includes(dead.password), false);
    assert.equal(existsSync(join(dir, 'nowhere-out', 'nowhere')), false);
  });

  it('a finished queued run trains on with --resume --epochs N (its last checkpoints come back from the run directory), equal to a fresh longer local run', async () => {
    const sub = join(dir, 'longer');
    mkdirSync(sub);
    const file = writeExperiment(sub, 'longer', study('longer').replace('seeds: [0, 1]', 'seeds: [0]'));
    workers.push(await startWorker(redis.url, ['--name', 'w-c']));
    const first = await trainyardProc(['run', file, '--out', join(sub, 'queued'), '--no-report', '--quiet'], { TRAINYARD_QUEUE: redis.url }).exited;
    assert.equal(first.code, 0, first.output);
    const runDir = latest(join(sub, 'queued'), 'longer');
    for (const id of ['sgd/seed-0', 'adam/seed-0']) assert.ok(readdirSync(join(runDir, 'checkpoints', id)).some((n) => n.startsWith('epoch-')), `${id}: its last epoch's checkpoint is in the run`);
    const longer = await trainyardProc(['run', '--resume', runDir, '--epochs', '3', '--no-report', '--quiet'], { TRAINYARD_QUEUE: redis.url }).exited;
    assert.equal(longer.code, 0, longer.output);
    const fresh = cli(['run', file, '--epochs', '3', '--out', join(sub, 'local'), '--no-report', '--quiet']);
    assert.equal(fresh.code, 0, fresh.stderr);
    const continued = readJson(join(runDir, 'metrics.json'));
    assert.deepEqual(continued.trials.map((t: any) => t.epochs.length), [3, 3]);
    assert.deepEqual(comparable(continued), comparable(readJson(join(latest(join(sub, 'local'), 'longer'), 'metrics.json'))));
  });

  it('a trial that fails every time is tried a bounded number of times, then failed with its message', async () => {
    const sub = join(dir, 'broken');
    mkdirSync(sub);
    copyFileSync(join(ROOT, 'test/fixtures/plugins/throws-in-create.js'), join(sub, 'broken.js'));
    const file = writeExperiment(sub, 'broken', study('broken', 'plugins: [./broken.js]').replace('[flatten,', '[flatten, brokenLayer,').replace('seeds: [0, 1]', 'seeds: [0]'));
    workers.push(await startWorker(redis.url, ['--plugins', join(sub, 'broken.js')], { TRAINYARD_QUEUE_ATTEMPTS: '2' }));
    const coordinator = trainyardProc(['run', file, '--out', join(sub, 'runs'), '--no-report'], { TRAINYARD_QUEUE: redis.url, TRAINYARD_QUEUE_ATTEMPTS: '2' });
    const done = await coordinator.exited;
    assert.equal(done.code, 1, done.output);
    const runDir = latest(join(sub, 'runs'), 'broken');
    const metrics = readJson(join(runDir, 'metrics.json'));
    assert.deepEqual(metrics.trials.map((t: any) => [t.status, t.error]), [['failed', 'brokenLayer cannot be built'], ['failed', 'brokenLayer cannot be built']]);
    const failures = events(runDir).filter((e) => e.type === 'trialFailed' && e.trialId === 'sgd/seed-0');
    assert.deepEqual(failures.map((e) => e.retrying ?? false), [true, false], 'one retry, then the end');
  });

  it('a worker without the run\'s plugin module, or whose data is not the run\'s, fails the trial with the reason at once', async () => {
    const sub = join(dir, 'mismatch');
    mkdirSync(join(sub, 'data'), { recursive: true });
    copyFileSync(join(ROOT, 'test/fixtures/plugins/mean-abs-error.js'), join(sub, 'mae.js'));
    const rows = (n: number, shift: number) => `a,b,label\n${Array.from({ length: n }, (_, i) => `${i + shift},${i % 3},${i % 2}`).join('\n')}\n`;
    writeFileSync(join(sub, 'data', 'train.csv'), rows(40, 0));
    writeFileSync(join(sub, 'data', 'test.csv'), rows(10, 0));
    const csv = (name: string, extra: string) => `name: ${name}
dataset: {type: csv, train: data/train.csv, test: data/test.csv, labelColumn: label}
model: {layers: [{type: dense, units: 2}]}
loss: crossEntropy
optimizers: [{name: SGD, type: sgd, lr: 0.1}]
training: {epochs: 1, batchSize: 10}
seeds: [0]
backend: cpu
${extra}`;
    // Elsewhere, the same relative paths hold other numbers.
    const elsewhere = join(dir, 'elsewhere');
    mkdirSync(join(elsewhere, 'data'), { recursive: true });
    writeFileSync(join(elsewhere, 'data', 'train.csv'), rows(40, 1));
    writeFileSync(join(elsewhere, 'data', 'test.csv'), rows(10, 0));
    workers.push(await startWorker(redis.url, ['--data-root', elsewhere]));
    const a = trainyardProc(['run', writeExperiment(sub, 'other-data', csv('other-data', '')), '--out', join(sub, 'runs'), '--no-report'], { TRAINYARD_QUEUE: redis.url });
    const b = trainyardProc(['run', writeExperiment(sub, 'no-module', csv('no-module', 'plugins: [./mae.js]\nmetrics: [loss, meanAbsError]')), '--out', join(sub, 'runs'), '--no-report'], { TRAINYARD_QUEUE: redis.url });
    for (const [proc, name, pattern] of [
      [a, 'other-data', /the data on this worker is not the run's \(here train 40, test 10 samples, sha256 [0-9a-f]{12}…; the run's train 40, test 10 samples, sha256 [0-9a-f]{12}…\)/],
      [b, 'no-module', /needs plugin module mae\.js \(sha256 [0-9a-f]{12}…\), which this worker was not started with/],
    ] as const) {
      const done = await proc.exited;
      assert.equal(done.code, 1, done.output);
      const trial = readJson(join(latest(join(sub, 'runs'), name), 'metrics.json')).trials[0];
      assert.equal(trial.status, 'failed');
      assert.match(trial.error, pattern);
      assert.equal(events(latest(join(sub, 'runs'), name)).filter((e) => e.type === 'trialFailed').length, 1, 'no retry of what cannot work');
    }
  });
});

// The process owns its errors: a failed write, a plugin's late throw, a worker that cannot start.
// Each ends with one clear line and the right exit code, never a raw stack, and the run resumes.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { assertNothingCorrupt, assertSameMetrics, makeTempDir, readJson, runDirOf, tinyLecture, trainyard, writeExperiment } from './helpers.js';
import { spawn } from 'node:child_process';
import { CLI, ROOT } from '../run-helpers.js';

const plugin = (name: string) => join(ROOT, 'test', 'fixtures', 'plugins', name);
const noStack = (text: string) => assert.doesNotMatch(text, /\n\s+at |internal error|Error: .*\n.*node:internal/);

describe('faults: the process owns its errors', function () {
  this.timeout(300000);
  const dir = makeTempDir('trainyard-process-');
  const file = writeExperiment(dir, 'tiny', tinyLecture('tiny'));
  let reference: any;

  before(() => {
    assert.equal(trainyard(['run', file, '--out', join(dir, 'reference'), '--quiet', '--no-report']).code, 0);
    reference = readJson(join(runDirOf(join(dir, 'reference'), 'tiny'), 'metrics.json'));
  });

  it('a disk that fills mid-run (the log cannot be appended): failed, one clear line, exit 1; the resume is identical', () => {
    const out = join(dir, 'full');
    const first = trainyard(['run', file, '--out', out, '--quiet', '--no-report'], { TRAINYARD_FAILPOINT: 'enospc@append:epochEnd#3' });
    assert.equal(first.code, 1, first.stdout + first.stderr);
    assert.match(first.stderr, /the run stopped: its records in .* could not be written \(is on a full disk/);
    assert.match(first.stderr, /continue with: trainyard run --resume/);
    noStack(first.stderr);
    const runDir = runDirOf(out, 'tiny');
    // The disk had room again for the run's end: the record says how it ended.
    const stopped = readJson(join(runDir, 'metrics.json'));
    assert.equal(stopped.status, 'failed');
    assert.match(stopped.error, /the run's records could not be written: ENOSPC/);
    const resumed = trainyard(['run', '--resume', runDir, '--no-report']);
    assert.equal(resumed.code, 0, resumed.stderr);
    assertSameMetrics(readJson(join(runDir, 'metrics.json')), reference);
    assertNothingCorrupt(runDir);
  });

  it('a plugin that throws from a timer in the main thread: the run ends failed, one line, exit 1; the resume is identical', () => {
    const out = join(dir, 'late');
    const late = writeExperiment(dir, 'late', tinyLecture('tiny', `plugins: [${plugin('late-throw.js')}]`));
    const env = { LATE_THROW_WATCH: join(out, 'tiny', 'latest', 'events.jsonl'), LATE_THROW_MARKER: join(dir, 'late-thrown') };
    const first = trainyard(['run', late, '--out', out, '--quiet', '--no-report'], env);
    assert.equal(first.code, 1, first.stdout + first.stderr);
    assert.match(first.stderr, /trainyard: an error nobody caught \(from a plugin\?\): a plugin timer went off/);
    noStack(first.stderr);
    const runDir = runDirOf(out, 'tiny');
    const stopped = readJson(join(runDir, 'metrics.json'));
    assert.equal(stopped.status, 'failed');
    assert.match(stopped.error, /a plugin timer went off/);
    const resumed = trainyard(['run', '--resume', runDir, '--no-report', '--allow-plugins'], env);
    assert.equal(resumed.code, 0, resumed.stderr);
    assertSameMetrics(readJson(join(runDir, 'metrics.json')), reference);
  });

  it('a closed stdout (trainyard run ... | head -1) does not stop the run: its records are complete, exit 0', async () => {
    const out = join(dir, 'head');
    const child = spawn(process.execPath, [CLI, 'run', file, '--out', out, '--no-report'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'ignore'] });
    child.stdout.once('data', () => child.stdout.destroy());
    const code = await new Promise((ok) => child.on('exit', ok));
    assert.equal(code, 0);
    assertSameMetrics(readJson(join(runDirOf(out, 'tiny'), 'metrics.json')), reference);
  });

  it('a worker thread that dies mid-trial fails its trial but keeps the epochs it stored; the resume continues them', () => {
    const out = join(dir, 'crash');
    const crashing = writeExperiment(dir, 'crash', tinyLecture('tiny', `plugins: [${plugin('crashing-sgd.js')}]`, { optimizers: '  - {name: SGD, type: crashingSgd, lr: 0.05}\n  - {name: Adam, type: adam, lr: 0.001}' }));
    const env = { CRASH_AT_STEP: '20', CRASH_MARKER: join(dir, 'crashed') };
    const first = trainyard(['run', crashing, '--out', out, '--quiet', '--no-report'], env);
    assert.equal(first.code, 1, first.stdout + first.stderr);
    const runDir = runDirOf(out, 'tiny');
    const failed = readJson(join(runDir, 'metrics.json'));
    assert.equal(failed.trials[0].status, 'failed');
    assert.match(failed.trials[0].error, /worker thread exited unexpectedly \(exit code 3\)/);
    assert.deepEqual(failed.trials[0].epochs.map((e: any) => e.epoch), [1, 2], '8 steps an epoch: two epochs were stored and reported before step 20');
    const resumed = trainyard(['run', '--resume', runDir, '--no-report', '--allow-plugins'], env);
    assert.equal(resumed.code, 0, resumed.stdout + resumed.stderr);
    assert.doesNotMatch(resumed.stdout, /recovered/, 'the log had every stored epoch');
    const clean = trainyard(['run', crashing, '--out', join(dir, 'crash-clean'), '--quiet', '--no-report'], env);
    assertSameMetrics(readJson(join(runDir, 'metrics.json')), readJson(join(runDirOf(join(dir, 'crash-clean'), 'tiny'), 'metrics.json')));
    assert.equal(clean.code, 0);
  });

  it('one worker that cannot start leaves the trials to the others', () => {
    const out = join(dir, 'one-worker');
    const one = writeExperiment(dir, 'one', tinyLecture('tiny', `plugins: [${plugin('fails-in-worker.js')}]`));
    const result = trainyard(['run', one, '--out', out, '--quiet', '--no-report', '--workers', '3'], { FAIL_IN_WORKER: 'one', FAIL_IN_WORKER_MARKER: join(dir, 'first-worker') });
    assert.equal(result.code, 0, result.stdout + result.stderr);
    assertSameMetrics(readJson(join(runDirOf(out, 'tiny'), 'metrics.json')), reference);
  });

  it('when no worker can start, every trial fails with the reason: exit 1, no stack', () => {
    const out = join(dir, 'no-worker');
    const all = writeExperiment(dir, 'all', tinyLecture('tiny', `plugins: [${plugin('fails-in-worker.js')}]`));
    const result = trainyard(['run', all, '--out', out, '--no-report', '--workers', '2'], { FAIL_IN_WORKER: 'all' });
    assert.equal(result.code, 1, result.stdout + result.stderr);
    assert.match(result.stdout, /sgd\/seed-0: failed: a worker thread could not start: .*this worker cannot start/);
    noStack(result.stdout + result.stderr);
    const metrics = readJson(join(runDirOf(out, 'tiny'), 'metrics.json'));
    assert.deepEqual(metrics.trials.map((t: any) => t.status), ['failed', 'failed', 'failed']);
    assert.ok(metrics.trials.every((t: any) => /this worker cannot start/.test(t.error)));
  });
});

// Issue "nothing lost, ever", resume and the run directory: each fault reproduced by an adversarial
// review, held here. The CLI runs as a child process; faults are injected at named points.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { assertNothingCorrupt, assertSameMetrics, epochNumbers, makeTempDir, readJson, runDirOf, tinyLecture, trainyard, trainyardAsync, writeExperiment } from './helpers.js';

describe('faults: resume and the run directory', function () {
  this.timeout(300000);
  const dir = makeTempDir('trainyard-faults-');
  const file = writeExperiment(dir, 'tiny', tinyLecture('tiny'));
  let reference: any;

  before(() => {
    const result = trainyard(['run', file, '--out', join(dir, 'reference'), '--quiet', '--no-report']);
    assert.equal(result.code, 0, result.stderr);
    reference = readJson(join(runDirOf(join(dir, 'reference'), 'tiny'), 'metrics.json'));
  });

  /** Runs with a fault, resumes, and checks the result against the reference. */
  function killAndResume(out: string, failpoint: string, expectCode: number | null = null): string {
    const first = trainyard(['run', file, '--out', out, '--quiet', '--no-report', '--workers', '1'], { TRAINYARD_FAILPOINT: failpoint });
    if (expectCode === null) assert.equal(first.signal, 'SIGKILL', `${failpoint}: killed (${first.stderr})`);
    else assert.equal(first.code, expectCode, first.stderr);
    const runDir = runDirOf(out, 'tiny');
    const resumed = trainyard(['run', '--resume', runDir, '--no-report']);
    assert.equal(resumed.code, 0, resumed.stdout + resumed.stderr);
    const after = readJson(join(runDir, 'metrics.json'));
    assertSameMetrics(after, reference, failpoint);
    assert.deepEqual(epochNumbers(after), [[1, 2, 3], [1, 2, 3], [1, 2, 3]], 'no epoch repeated');
    assertNothingCorrupt(runDir);
    return runDir;
  }

  it('a kill right after an epochEnd is logged resumes without repeating that epoch', () => {
    killAndResume(join(dir, 'after-epoch'), 'kill@appended:epochEnd#2');
  });

  it('a kill between a checkpoint and its epochEnd: the log gets the epoch back from the checkpoint', () => {
    killAndResume(join(dir, 'before-epoch'), 'kill@append:epochEnd#2');
  });

  it('a disk that fills before the first checkpoint, then frees: exit 1, then the resume is identical', () => {
    const runDir = killAndResume(join(dir, 'enospc-checkpoint'), 'enospc@checkpoint-rename#1', 1);
    assert.ok(existsSync(runDir));
  });

  it('--epochs 1 (no checkpoint at all): a kill after the result keeps one epoch, never two', () => {
    const out = join(dir, 'one-epoch');
    const first = trainyard(['run', file, '--out', out, '--quiet', '--no-report', '--workers', '1', '--epochs', '1'], { TRAINYARD_FAILPOINT: 'kill@result#1' });
    assert.equal(first.signal, 'SIGKILL');
    const runDir = runDirOf(out, 'tiny');
    assert.equal(trainyard(['run', '--resume', runDir, '--no-report']).code, 0);
    assert.deepEqual(epochNumbers(readJson(join(runDir, 'metrics.json'))), [[1], [1], [1]]);
  });

  it('a trial killed after its result.json says diverged comes back diverged, not ok', () => {
    const diverging = writeExperiment(dir, 'diverging', tinyLecture('diverging', '', { optimizers: '  - {name: SGD, type: sgd, lr: 1000}\n  - {name: Adam, type: adam, lr: 0.001}', training: 'divergeAbove: 100' }));
    const out = join(dir, 'diverged');
    const first = trainyard(['run', diverging, '--out', out, '--quiet', '--no-report', '--workers', '1'], { TRAINYARD_FAILPOINT: 'kill@result#1' });
    assert.equal(first.signal, 'SIGKILL');
    const runDir = runDirOf(out, 'diverging');
    const resumed = trainyard(['run', '--resume', runDir, '--no-report']);
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.match(resumed.stdout, /sgd\/seed-0: recovered .*its ending \(diverged\)/);
    const metrics = readJson(join(runDir, 'metrics.json'));
    assert.equal(metrics.trials[0].status, 'diverged');
    assert.match(metrics.trials[0].error, /exceeded divergeAbove/);
    const events = readFileSync(join(runDir, 'events.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    assert.ok(events.some((e) => e.type === 'trialEnd' && e.trialId === 'sgd/seed-0' && e.status === 'diverged' && e.recovered === true));
  });

  it('one bad byte in the middle of a finished run\'s events.jsonl loses nothing: the line is copied aside, the figures stay', () => {
    const out = join(dir, 'corrupt');
    assert.equal(trainyard(['run', file, '--out', out, '--quiet', '--no-report']).code, 0);
    const runDir = runDirOf(out, 'tiny');
    const before = readJson(join(runDir, 'metrics.json'));
    const lines = readFileSync(join(runDir, 'events.jsonl'), 'utf8').split('\n');
    const middle = lines.findIndex((l, i) => i > 3 && l.includes('"epochEnd"'));
    lines[middle] = lines[middle]!.replace('"epochEnd"', '"epochEn\u0000"');
    writeFileSync(join(runDir, 'events.jsonl'), lines.join('\n'));
    const size = readFileSync(join(runDir, 'events.jsonl')).length;
    const resumed = trainyard(['run', '--resume', runDir, '--no-report']);
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.match(resumed.stdout, new RegExp(`line ${middle + 1}\\b.*copied to .*events\\.jsonl\\.bad-`));
    assert.match(resumed.stdout, /recovered 1 epoch the log lacked/);
    assert.ok(readFileSync(join(runDir, 'events.jsonl')).length >= size, 'the log is never truncated');
    const after = readJson(join(runDir, 'metrics.json'));
    assertSameMetrics(after, before);
    assert.equal(after.seconds, before.seconds, 'a finished run keeps its figures');
    assert.equal(after.finishedAt, before.finishedAt);
  });

  it('a deleted events.jsonl is rebuilt from the checkpoints and results, and resume says so', () => {
    const out = join(dir, 'deleted');
    const first = trainyard(['run', file, '--out', out, '--quiet', '--no-report', '--workers', '1'], { TRAINYARD_FAILPOINT: 'kill@appended:epochEnd#5' });
    assert.equal(first.signal, 'SIGKILL');
    const runDir = runDirOf(out, 'tiny');
    rmSync(join(runDir, 'events.jsonl'));
    const resumed = trainyard(['run', '--resume', runDir, '--no-report']);
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.match(resumed.stdout, /events\.jsonl is missing: rebuilding/);
    assertSameMetrics(readJson(join(runDir, 'metrics.json')), reference);
  });

  it('a finished run whose events.jsonl was deleted keeps its figures: the log is rebuilt from the results and metrics.json', () => {
    const out = join(dir, 'deleted-finished');
    assert.equal(trainyard(['run', file, '--out', out, '--quiet', '--no-report']).code, 0);
    const runDir = runDirOf(out, 'tiny');
    const before = readJson(join(runDir, 'metrics.json'));
    rmSync(join(runDir, 'events.jsonl'));
    const resumed = trainyard(['run', '--resume', runDir, '--no-report']);
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.match(resumed.stdout, /nothing to resume/);
    const after = readJson(join(runDir, 'metrics.json'));
    assert.deepEqual(after, before, 'every figure, timing and dates included');
  });

  it('two resumes of one run at once: one writes, the other is refused (exit 2), and the run ends right', async () => {
    const out = join(dir, 'twice');
    assert.equal(trainyard(['run', file, '--out', out, '--quiet', '--no-report', '--workers', '1'], { TRAINYARD_FAILPOINT: 'kill@appended:epochEnd#2' }).signal, 'SIGKILL');
    const runDir = runDirOf(out, 'tiny');
    const [a, b] = await Promise.all([trainyardAsync(['run', '--resume', runDir, '--no-report', '--quiet']), trainyardAsync(['run', '--resume', runDir, '--no-report', '--quiet'])]);
    const codes = [a.code, b.code].sort();
    assert.deepEqual(codes, [0, 2], `${a.stderr}\n${b.stderr}`);
    assert.match((a.code === 2 ? a : b).stderr, /is being written by process \d+ on/);
    assertSameMetrics(readJson(join(runDir, 'metrics.json')), reference);
    assertNothingCorrupt(runDir);
  });

  it('a run locked by a live process: report works and says it is in progress; resume is refused', () => {
    const out = join(dir, 'locked');
    assert.equal(trainyard(['run', file, '--out', out, '--quiet', '--no-report']).code, 0);
    const runDir = runDirOf(out, 'tiny');
    writeFileSync(join(runDir, '.lock'), JSON.stringify({ pid: process.pid, host: hostname(), startedAt: new Date().toISOString() }));
    const report = trainyard(['report', runDir]);
    assert.equal(report.code, 0, report.stderr);
    assert.match(report.stdout, /is in progress/);
    const resumed = trainyard(['run', '--resume', runDir]);
    assert.equal(resumed.code, 2);
    assert.match(resumed.stderr, new RegExp(`being written by process ${process.pid}`));
    rmSync(join(runDir, '.lock'));
  });

  it('a finished run resumed keeps its seconds and finishedAt, and a report temp file left by a kill is cleaned', () => {
    const out = join(dir, 'finished');
    assert.equal(trainyard(['run', file, '--out', out, '--quiet']).code, 0);
    const runDir = runDirOf(out, 'tiny');
    const before = readJson(join(runDir, 'metrics.json'));
    const resumed = trainyard(['run', '--resume', runDir]);
    assert.equal(resumed.code, 0);
    assert.match(resumed.stdout, /nothing to resume/);
    const after = readJson(join(runDir, 'metrics.json'));
    assert.equal(after.seconds, before.seconds);
    assert.equal(after.finishedAt, before.finishedAt);
    // A kill while report.html was written leaves the temp file of a process that is gone.
    const killed = trainyard(['report', runDir], { TRAINYARD_FAILPOINT: 'kill@rename:report.html' });
    assert.equal(killed.signal, 'SIGKILL');
    assert.ok(readdirSync(runDir).some((n) => /^\.report\.html\..*\.tmp$/.test(n)));
    assert.equal(trainyard(['report', runDir]).code, 0);
    assert.deepEqual(readdirSync(runDir).filter((n) => n.endsWith('.tmp')), []);
  });
});

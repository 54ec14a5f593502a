import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { appendFileSync, existsSync, readdirSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { CLI, cli, makeTempDir, smallLecture, withoutTiming, writeExperiment } from '../run-helpers.js';

const runDirOf = (out: string, name: string) => join(out, name, readlinkSync(join(out, name, 'latest')));
const readJson = (path: string) => JSON.parse(readFileSync(path, 'utf8'));
const sleep = (ms: number) => new Promise((ok) => setTimeout(ok, ms));

/** Every JSON file in the run directory parses and every events line is complete JSON. */
function assertNothingCorrupt(dir: string, tempAllowed = false): void {
  const walk = (d: string): string[] => readdirSync(d).flatMap((n) => (statSync(join(d, n)).isDirectory() ? walk(join(d, n)) : [join(d, n)]));
  for (const file of walk(dir)) {
    // A kill can land mid-write: the half-written temp files are never read, and resume removes them.
    if (tempAllowed && /\.tmp/.test(file)) continue;
    assert.doesNotMatch(file, /\.tmp/, `no temp file left: ${file}`);
    if (file.endsWith('.json')) readJson(file);
    // A line that is not an event stays in the log (it is never truncated), copied to events.jsonl.bad-<time>.
    const copiedAside = readdirSync(dirname(file)).filter((n) => n.startsWith('events.jsonl.bad-')).flatMap((n) => readFileSync(join(dirname(file), n), 'utf8').split('\n'));
    if (file.endsWith('.jsonl')) readFileSync(file, 'utf8').trim().split('\n').filter((l) => !copiedAside.includes(l)).forEach((l) => JSON.parse(l));
  }
}

/** Starts a run, waits until every trial has finished `epochs` epochs, then sends `signal`. */
async function runAndStop(file: string, out: string, name: string, epochs: number, signal: NodeJS.Signals): Promise<number | null> {
  const child = spawn(process.execPath, [CLI, 'run', file, '--out', out, '--quiet'], { stdio: 'ignore' });
  const exited = new Promise<number | null>((ok) => child.on('exit', (code) => ok(code)));
  for (let i = 0; i < 600; i++) {
    await sleep(50);
    const events = existsSync(join(out, name, 'latest', 'events.jsonl')) ? readFileSync(join(out, name, 'latest', 'events.jsonl'), 'utf8') : '';
    if ((events.match(/"type":"epochEnd"/g) ?? []).length >= 3 * epochs) break;
  }
  await sleep(150); // into the next epoch, mid-way
  child.kill(signal);
  return exited;
}

describe('runner: checkpoints and resume (a child process stopped mid-run)', function () {
  this.timeout(240000);
  const dir = tempDir();
  // Big enough that an epoch takes a few hundred milliseconds: the stop lands mid-epoch.
  const yaml = smallLecture({ name: 'resume', epochs: 4 }).replace('trainSize: 300, testSize: 100', 'trainSize: 3000, testSize: 300').replace('units: 32', 'units: 128');
  const file = writeExperiment(dir, 'resume', yaml);
  let reference: any;

  before(() => {
    const out = join(dir, 'reference');
    assert.equal(cli(['run', file, '--out', out, '--quiet']).code, 0);
    reference = readJson(join(runDirOf(out, 'resume'), 'metrics.json'));
  });

  it('SIGKILL mid-epoch, then --resume: the metrics equal an uninterrupted run, nothing corrupt', async () => {
    const out = join(dir, 'killed');
    await runAndStop(file, out, 'resume', 1, 'SIGKILL');
    const runDir = runDirOf(out, 'resume');
    const before = readJson(join(runDir, 'metrics.json'));
    assert.equal(before.status, 'running', 'killed: nobody wrote a final status');
    assertNothingCorrupt(runDir, true);
    appendFileSync(join(runDir, 'events.jsonl'), '{"type":"epochEnd","trialId":"sgd/se'); // a line torn by the kill
    const resumed = cli(['run', '--resume', runDir]);
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.match(resumed.stdout, /resumed after epoch \d/);
    const after = readJson(join(runDir, 'metrics.json'));
    assert.equal(after.status, 'ok');
    assert.deepEqual(withoutTiming(after), withoutTiming(reference));
    assertNothingCorrupt(runDir);
  });

  it('SIGINT stops promptly with exit 130 and status interrupted; --resume finishes identically', async () => {
    const out = join(dir, 'interrupted');
    const code = await runAndStop(file, out, 'resume', 1, 'SIGINT');
    assert.equal(code, 130);
    const runDir = runDirOf(out, 'resume');
    const stopped = readJson(join(runDir, 'metrics.json'));
    assert.equal(stopped.status, 'interrupted');
    assert.ok(stopped.trials.every((t: any) => t.status === 'interrupted' || t.status === 'ok'));
    assert.equal(cli(['run', '--resume', runDir, '--quiet']).code, 0);
    assert.deepEqual(withoutTiming(readJson(join(runDir, 'metrics.json'))), withoutTiming(reference));
  });

  it('evaluate re-evaluates the saved final weights and matches the recorded accuracy', () => {
    const runDir = runDirOf(join(dir, 'reference'), 'resume');
    const result = cli(['evaluate', runDir]);
    assert.equal(result.code, 0, result.stderr);
    for (const trial of reference.trials) {
      const last = trial.epochs.at(-1);
      const line = result.stdout.split('\n').find((l) => l.startsWith(trial.id))!;
      const acc = last.testAccuracy.toFixed(6);
      assert.equal(line.split(/\s+/).filter((c) => c === acc).length, 2, `${trial.id}: recorded and re-evaluated ${acc} in: ${line}`);
    }
    const one = cli(['evaluate', runDir, '--trial', 'adm/seed-0']);
    assert.equal(one.code, 2);
    assert.match(one.stderr, /no such trial; did you mean 'adam\/seed-0'\?/);
  });

  it('--resume of a directory that is not a run is a clear error (exit 2)', () => {
    const result = cli(['run', '--resume', dir]);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /not a run directory \(it has no plan\.json\)/);
  });
});

function tempDir(): string {
  return makeTempDir('trainyard-resume-');
}

// About thirty kills of a run, at the dangerous moments (right after an epochEnd, between a
// checkpoint and its event, right after a result.json, during a checkpoint rename, while
// metrics.json or report.html is written) and at seeded random moments (the seed is printed;
// TRAINYARD_KILL_SEED repeats a sequence). After each, resume (killed again now and then) must give
// the uninterrupted run's metrics on every non-timing field, with nothing corrupt.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { CLI, ROOT } from '../run-helpers.js';
import { Random } from '../../src/util/random.js';
import { assertNothingCorrupt, assertSameMetrics, epochNumbers, makeTempDir, readJson, runDirOf, tinyLecture, trainyard, writeExperiment } from './helpers.js';

const DANGEROUS = [
  'kill@appended:runStart',
  'kill@appended:trialStart#2',
  'kill@append:epochEnd#1',
  'kill@appended:epochEnd#1',
  'kill@appended:epochEnd#4',
  'kill@append:epochEnd#6',
  'kill@appended:epochEnd#8',
  'kill@checkpoint-rename#1',
  'kill@checkpoint-rename#2',
  'kill@result#1',
  'kill@result#2',
  'kill@appended:trialEnd#1',
  'kill@appended:trialEnd#3',
  'kill@rename:metrics.json#2',
  'kill@rename:metrics.json#4',
  'kill@rename:report.html',
];

/** Starts the command and kills it after `ms` (or lets it end first); resolves with how it ended. */
function killAfter(args: string[], ms: number): Promise<{ killed: boolean; code: number | null }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: ROOT, stdio: 'ignore' });
    const timer = setTimeout(() => child.kill('SIGKILL'), ms);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ killed: signal === 'SIGKILL', code });
    });
  });
}

describe('faults: kills at dangerous and random moments, each resumed', function () {
  this.timeout(900000);
  const seed = Number(process.env.TRAINYARD_KILL_SEED ?? Date.now() % 100000);
  const random = new Random(seed);
  const dir = makeTempDir('trainyard-kills-');
  const file = writeExperiment(dir, 'tiny', tinyLecture('tiny'));
  let reference: any;
  let kills = 0;

  before(() => {
    console.log(`      kill seed ${seed} (TRAINYARD_KILL_SEED=${seed} repeats it)`);
    assert.equal(trainyard(['run', file, '--out', join(dir, 'reference'), '--quiet']).code, 0);
    reference = readJson(join(runDirOf(join(dir, 'reference'), 'tiny'), 'metrics.json'));
  });

  after(() => console.log(`      ${kills} kills in all`));

  /** Resumes until the run is complete; now and then the resume itself is killed at a random moment. */
  async function resumeToTheEnd(runDir: string, label: string): Promise<void> {
    for (let attempt = 0; attempt < 4; attempt++) {
      if (attempt < 2 && random.next() < 0.3) {
        const ms = 200 + Math.floor(random.next() * 2000);
        const ended = await killAfter(['run', '--resume', runDir, '--quiet'], ms);
        if (ended.killed) {
          kills++;
          continue;
        }
      }
      const result = trainyard(['run', '--resume', runDir, '--quiet']);
      assert.equal(result.code, 0, `${label}: ${result.stdout}${result.stderr}`);
      break;
    }
    const metrics = readJson(join(runDir, 'metrics.json'));
    assertSameMetrics(metrics, reference, label);
    assert.deepEqual(epochNumbers(metrics), [[1, 2, 3], [1, 2, 3], [1, 2, 3]], `${label}: no epoch repeated or lost`);
    assertNothingCorrupt(runDir);
    assert.ok(existsSync(join(runDir, 'report.html')), `${label}: the report is there`);
  }

  for (const [i, failpoint] of DANGEROUS.entries()) {
    it(`${failpoint}`, async () => {
      const out = join(dir, `d${i}`);
      // Points inside the trials count per worker thread: one worker makes their count the run's.
      const inWorkers = /@(result|checkpoint-rename)/.test(failpoint);
      const first = trainyard(['run', file, '--out', out, '--quiet', ...(inWorkers ? ['--workers', '1'] : [])], { TRAINYARD_FAILPOINT: failpoint });
      assert.equal(first.signal, 'SIGKILL', `${failpoint} was reached (${first.stdout}${first.stderr})`);
      kills++;
      await resumeToTheEnd(runDirOf(out, 'tiny'), failpoint);
    });
  }

  for (let i = 0; i < 14; i++) {
    it(`a kill at a random moment (${i + 1} of 14)`, async () => {
      const out = join(dir, `r${i}`);
      const ms = 300 + Math.floor(random.next() * 3000);
      const ended = await killAfter(['run', file, '--out', out, '--quiet'], ms);
      if (ended.killed) kills++;
      if (!existsSync(join(out, 'tiny', 'latest'))) return; // killed before the run directory existed: nothing to resume
      await resumeToTheEnd(runDirOf(out, 'tiny'), `random kill after ${ms} ms (seed ${seed})`);
    });
  }
});

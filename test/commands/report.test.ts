// trainyard report, trainyard compare and the report at the end of trainyard run, as a user runs them.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cliInProcess, makeTempDir, smallLecture, writeExperiment } from '../run-helpers.js';
import { writeFixtureRun } from '../reporters/fixture-run.js';

describe('trainyard report and compare', () => {
  it('report RUN_DIR rebuilds charts and report.html from the run directory alone', async () => {
    const dir = writeFixtureRun(join(makeTempDir(), 'run'), { seeds: [0, 1], diverge: true });
    const result = await cliInProcess(['report', dir]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, new RegExp(`^report: ${join(dir, 'report.html').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\(5 charts, [\\d.]+ MB, [\\d.]+ s\\)`));
    assert.ok(existsSync(join(dir, 'charts', 'train-loss.svg')));
  });

  it('report on something that is not a run directory exits 2 and says why', async () => {
    const empty = makeTempDir();
    const result = await cliInProcess(['report', empty]);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /not a run directory: plan\.json is missing/);
    assert.ok(!/\n\s+at /.test(result.stderr), 'no stack trace');
    assert.equal((await cliInProcess(['report'])).code, 2);
    assert.equal((await cliInProcess(['report', empty, empty])).code, 2);
  });

  it('compare puts several runs in one report under --out', async () => {
    const root = makeTempDir();
    const a = writeFixtureRun(join(root, 'a'), { seeds: [0] });
    const b = writeFixtureRun(join(root, 'b'), { seeds: [0, 1], diverge: true });
    const out = join(root, 'cmp');
    const result = await cliInProcess(['compare', a, b, '--out', out]);
    assert.equal(result.code, 0, result.stderr);
    const html = readFileSync(join(out, 'report.html'), 'utf8');
    assert.match(html, /a \/ SGD with momentum/);
    assert.match(html, /b \/ SGD with momentum/);
    const spec = JSON.parse(readFileSync(join(out, 'charts', 'test-accuracy.vl.json'), 'utf8'));
    assert.deepEqual([...new Set(spec.data.values.map((p: { run: string }) => p.run))], ['a', 'b']);
    assert.equal((await cliInProcess(['compare', a])).code, 2, 'one run is a report, not a comparison');
    assert.equal((await cliInProcess(['compare', a, join(root, 'nope'), '--out', out])).code, 2);
  });

  it('run ends by printing the report path; --no-report skips it', async function () {
    this.timeout(120000);
    const dir = makeTempDir();
    const file = writeExperiment(dir, 'small', smallLecture({ epochs: 1 }));
    const result = await cliInProcess(['run', file, '--out', join(dir, 'runs'), '--workers', '0']);
    assert.equal(result.code, 0, result.stderr);
    const lines = result.stdout.trim().split('\n');
    const path = /^report: (.*report\.html)$/.exec(lines[lines.length - 1])?.[1] ?? assert.fail(`last line: ${lines[lines.length - 1]}`);
    assert.ok(existsSync(path));
    assert.ok(readdirSync(join(path, '..', 'charts')).includes('test-accuracy.svg'));
    const quiet = await cliInProcess(['run', file, '--out', join(dir, 'quiet'), '--no-report', '--quiet', '--workers', '0']);
    assert.equal(quiet.code, 0, quiet.stderr);
    assert.ok(!/report:/.test(quiet.stdout));
    const runDir = join(dir, 'quiet', 'small-lecture', 'latest');
    assert.ok(!existsSync(join(runDir, 'report.html')) && !existsSync(join(runDir, 'charts')));
  });
});

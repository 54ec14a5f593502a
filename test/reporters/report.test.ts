// The report reporter and buildReport: charts and report.html from the run directory alone,
// the same charts every time they are rebuilt, and a report that fails does not fail the run.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { buildReport, ReportReporter, runLabels } from '../../src/reporters/report.js';
import type { RunRecord } from '../../src/reporters/run-record.js';
import { makeTempDir } from '../run-helpers.js';
import { writeFixtureRun } from './fixture-run.js';

const CHARTS = ['train-loss', 'test-accuracy', 'test-loss', 'loss-vs-time', 'seconds-per-epoch'];

describe('reporters/report', () => {
  it('builds charts/ and report.html into the run directory, and rebuilds them identically', async () => {
    const dir = writeFixtureRun(join(makeTempDir(), 'run'), { seeds: [0, 1] });
    const first = await buildReport([dir], dir);
    assert.equal(first.path, join(dir, 'report.html'));
    assert.deepEqual(first.charts, CHARTS);
    assert.deepEqual(readdirSync(join(dir, 'charts')).sort(), CHARTS.flatMap((c) => [`${c}.svg`, `${c}.vl.json`]).sort());
    const svgs = CHARTS.map((c) => readFileSync(join(dir, 'charts', `${c}.svg`), 'utf8'));
    const html = readFileSync(first.path, 'utf8');
    rmSync(join(dir, 'charts'), { recursive: true });
    rmSync(first.path);
    await buildReport([dir], dir);
    assert.deepEqual(CHARTS.map((c) => readFileSync(join(dir, 'charts', `${c}.svg`), 'utf8')), svgs, 'same SVGs');
    assert.equal(readFileSync(first.path, 'utf8'), html, 'same page');
    assert.ok(!readdirSync(dir).some((f) => f.endsWith('.tmp')), 'no temp files left');
  });

  it('the reporter builds the report at runEnd only, and keeps an error instead of throwing', async () => {
    const dir = writeFixtureRun(join(makeTempDir(), 'run'));
    const reporter = new ReportReporter(dir);
    await reporter.onEvent({ type: 'trialStart', time: '', trialId: 'sgd/seed-0', name: 'SGD', seed: 0 });
    assert.ok(!readdirSync(dir).includes('report.html'));
    await reporter.onEvent({ type: 'runEnd', time: '', status: 'ok', seconds: 1 });
    assert.equal(reporter.result?.path, join(dir, 'report.html'));
    const broken = new ReportReporter(join(dir, 'missing'));
    await broken.onEvent({ type: 'runEnd', time: '', status: 'ok', seconds: 1 });
    assert.match(broken.error?.message ?? '', /no such directory/);
  });

  it('labels runs by id, with the experiment when a comparison mixes experiments', () => {
    const run = (experiment: string, id: string) => ({ id, plan: { experiment: { name: experiment } } }) as RunRecord;
    assert.deepEqual(runLabels([run('a', '1'), run('a', '2')]), ['1', '2']);
    assert.deepEqual(runLabels([run('a', '1'), run('b', '2')]), ['a 1', 'b 2']);
    assert.deepEqual(runLabels([run('a', '1'), run('a', '1')]), ['1', '1 (2)']);
  });
});

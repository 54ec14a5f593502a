// Reading a run directory for a report: what is not one is a clear UserError, and a run killed
// before its last metrics.json still reports every epoch its events.jsonl recorded.
import assert from 'node:assert/strict';
import { mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../../src/config/errors.js';
import { mergeEvents, parseEvents, readRun } from '../../src/reporters/run-record.js';
import { makeTempDir } from '../run-helpers.js';
import { fixtureEvents, fixtureMetrics, writeFixtureRun } from './fixture-run.js';

async function userError(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  assert.ok(error instanceof UserError, `expected a UserError, got ${String(error)}`);
  return error.message;
}

describe('reporters/run-record', () => {
  it('reads plan, metrics and the worker count from events, through a `latest` link', async () => {
    const root = makeTempDir();
    writeFixtureRun(join(root, '2026-01-02T03-04-05Z-abcdef'), { seeds: [0, 1] });
    symlinkSync('2026-01-02T03-04-05Z-abcdef', join(root, 'latest'));
    const run = await readRun(join(root, 'latest'));
    assert.equal(run.id, '2026-01-02T03-04-05Z-abcdef', 'the run the link points at');
    assert.equal(run.plan.trials.length, 6);
    assert.equal(run.metrics.trials.length, 6);
    assert.equal(run.workers, 2);
  });

  it('says why a directory is not a run directory', async () => {
    const root = makeTempDir();
    assert.match(await userError(readRun(join(root, 'nope'))), /no such directory/);
    writeFileSync(join(root, 'file'), 'x');
    assert.match(await userError(readRun(join(root, 'file'))), /not a directory/);
    assert.match(await userError(readRun(root)), /not a run directory: plan\.json is missing/);
    writeFileSync(join(root, 'plan.json'), '{"experiment": {}, "trials": []}');
    assert.match(await userError(readRun(root)), /metrics\.json is missing/);
    writeFileSync(join(root, 'metrics.json'), '{broken');
    assert.match(await userError(readRun(root)), /metrics\.json is not valid JSON/);
  });

  it('takes epochs and endings from events.jsonl that a killed run never wrote to metrics.json', () => {
    const full = fixtureMetrics({ seeds: [0] });
    const last = full.trials[2].id;
    const events = fixtureEvents(full, '/x').filter((e) => e.type !== 'runEnd' && !(e.type === 'trialEnd' && e.trialId === last));
    // metrics.json as it was after the first trial: later epochs only in events.
    const stale = { ...full, status: 'running' as const, finishedAt: null, seconds: null, trials: full.trials.map((t, i) => ({ ...t, epochs: i === 0 ? t.epochs : t.epochs.slice(0, 1) })) };
    const before = JSON.stringify(stale);
    const merged = mergeEvents(stale, events);
    assert.equal(JSON.stringify(stale), before, 'input unchanged');
    assert.deepEqual(merged.trials.map((t) => t.epochs.length), [5, 5, 5]);
    assert.deepEqual(merged.trials.map((t) => t.status), ['ok', 'ok', 'interrupted'], 'a trial without trialEnd did not finish');
    assert.equal(merged.status, 'interrupted');
  });

  it('skips a torn last line of events.jsonl', () => {
    const events = parseEvents('{"type":"runStart","time":"t"}\n{"type":"epochEnd","ti');
    assert.deepEqual(events.map((e) => e.type), ['runStart']);
  });

  it('reads a run directory without events.jsonl', async () => {
    const dir = writeFixtureRun(join(makeTempDir(), 'run'));
    mkdirSync(join(dir, 'charts'));
    rmSync(join(dir, 'events.jsonl'));
    const run = await readRun(dir);
    assert.equal(run.metrics.status, 'ok');
    assert.equal(run.workers, undefined);
  });
});

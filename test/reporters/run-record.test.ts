// Reading a run directory for a report: what is not one is a clear UserError, and a run killed
// before its last metrics.json still reports every epoch its events.jsonl recorded.
import assert from 'node:assert/strict';
import { mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../../src/util/errors.js';
import { readRun } from '../../src/reporters/run-record.js';
import { parseEventLog } from '../../src/run-log/events-file.js';
import { foldEvents, settle } from '../../src/run-log/fold.js';
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
    const run = writeFixtureRun(join(root, 'edited'));
    for (const trials of ['[{"id": "x"}]', '[1, 2]', '[null]']) {
      writeFileSync(join(run, "plan.json"), `{"experiment": {"name": "e"}, "trials": ${trials}}`);
      assert.match(await userError(readRun(run)), /plan\.json trials\[0\] is not a trial/, trials);
    }
  });

  it('takes epochs and endings from events.jsonl that a killed run never wrote to metrics.json', async () => {
    const full = fixtureMetrics({ seeds: [0] });
    const last = full.trials[2].id;
    const dir = writeFixtureRun(join(makeTempDir(), 'run'), { seeds: [0] });
    const events = fixtureEvents(full, dir).filter((e) => e.type !== 'runEnd' && !(e.type === 'trialEnd' && e.trialId === last));
    writeFileSync(join(dir, 'events.jsonl'), events.map((e) => `${JSON.stringify(e)}\n`).join(''));
    // metrics.json as it was after the first trial: later epochs only in events.
    const stale = { ...full, status: 'running' as const, finishedAt: null, seconds: null, trials: full.trials.map((t, i) => ({ ...t, epochs: i === 0 ? t.epochs : t.epochs.slice(0, 1) })) };
    writeFileSync(join(dir, 'metrics.json'), JSON.stringify(stale));
    const run = await readRun(dir);
    assert.deepEqual(run.metrics.trials.map((t) => t.epochs.length), [5, 5, 5]);
    assert.deepEqual(run.metrics.trials.map((t) => t.status), ['ok', 'ok', 'interrupted'], 'a trial without trialEnd did not finish');
    assert.equal(run.metrics.status, 'interrupted');
  });

  it('settle: only a run nobody writes any more that never ended is interrupted, and its input is unchanged', () => {
    const full = fixtureMetrics({ seeds: [0] });
    const events = fixtureEvents(full, '/x').filter((e) => e.type !== 'runEnd');
    const running = foldEvents(full, events);
    assert.equal(running.status, 'running');
    const before = JSON.stringify(running);
    assert.equal(settle(running).status, 'interrupted');
    assert.equal(JSON.stringify(running), before, 'input unchanged');
  });

  it('skips a torn last line of events.jsonl', () => {
    const log = parseEventLog('{"type":"runStart","time":"t","backend":"wasm","backendsTried":[]}\n{"type":"epochEnd","ti');
    assert.deepEqual(log.events.map((e) => e.type), ['runStart']);
    assert.equal(log.torn, true);
    assert.deepEqual(log.bad.map((b) => b.line), [2]);
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

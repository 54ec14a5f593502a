// runPlan and its executors, in this process on a small real model: no CLI, no child process.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { prepare } from '../../src/config/pipeline.js';
import { loadExperimentData } from '../../src/runner/data.js';
import { InProcessExecutor, newStopFlag, requestStop } from '../../src/runner/executor.js';
import { WorkerThreadsExecutor } from '../../src/runner/worker-pool.js';
import { loadBackend, runPlan } from '../../src/runner/run.js';
import { createRunDir } from '../../src/runner/run-dir.js';
import { DirectoryStore } from '../../src/runner/store.js';
import { JsonReporter } from '../../src/reporters/json.js';
import { readEventLog } from '../../src/run-log/events-file.js';
import { foldEvents } from '../../src/run-log/fold.js';
import type { RunEvent } from '../../src/run-log/types.js';
import { makeTempDir, smallLecture, withoutTiming, writeExperiment } from '../run-helpers.js';

describe('runner/executor and runPlan, in this process', function () {
  this.timeout(120000);

  async function setUp(name: string, extra: { epochs?: number; seeds?: string } = {}) {
    const dir = makeTempDir();
    const prepared = await prepare(writeExperiment(dir, name, smallLecture({ name, ...extra })));
    const backend = await loadBackend(prepared);
    const data = await loadExperimentData(prepared.config, prepared.registries, dir);
    return { dir, prepared, backend, data };
  }

  it('runPlan with the in-process executor and a directory store: results, events in order, checkpoints, metrics.json the fold of the log', async () => {
    const { dir, prepared, backend, data } = await setUp('inproc');
    const { dir: runDir, lock } = await createRunDir(join(dir, 'runs'), 'inproc', prepared.plan);
    const seen: RunEvent[] = [];
    const outcome = await runPlan(prepared, data, backend, {
      runDir,
      executor: new InProcessExecutor(backend.tf, prepared.registries),
      store: { kind: 'directory', dir: runDir },
      workers: 0,
      records: new JsonReporter(runDir, prepared.plan),
      reporters: [{ onEvent: (e) => void seen.push(e) }],
    });
    lock.release();
    assert.equal(outcome.status, 'ok');
    assert.deepEqual(outcome.results.map((r) => [r.id, r.status, r.epochs.length]), [['sgd/seed-0', 'ok', 2], ['sgd-with-momentum/seed-0', 'ok', 2], ['adam/seed-0', 'ok', 2]]);
    assert.equal(seen[0]!.type, 'runStart');
    assert.equal(seen.at(-1)!.type, 'runEnd');
    // In this thread trials run one after another: each one's events before the next's.
    const ids = seen.flatMap((e) => ('trialId' in e ? [e.trialId] : []));
    assert.deepEqual([...new Set(ids)], ['sgd/seed-0', 'sgd-with-momentum/seed-0', 'adam/seed-0']);
    const store = new DirectoryStore(runDir);
    assert.equal((await store.loadResult('adam/seed-0'))?.epochs.length, 2);
    // The last epoch is checkpointed too, with the optimizer's state: run --resume --epochs N trains on from it.
    const last = await store.loadCheckpoint('adam/seed-0');
    assert.equal(last?.epoch, 2, 'the checkpoint of the last epoch');
    assert.ok(last!.tensors.some((t) => t.name.startsWith('optimizer/')), "with Adam's state");
    const metrics = JSON.parse(readFileSync(join(runDir, 'metrics.json'), 'utf8'));
    assert.deepEqual(foldEvents(prepared.plan, (await readEventLog(runDir)).events), metrics);
  });

  it('the in-process executor and worker threads give the same results; a stop leaves the rest untrained', async () => {
    const { prepared, backend, data } = await setUp('same', { epochs: 1 });
    const context = (stopFlag = newStopFlag()) => ({ plan: prepared.plan, backend: backend.name, data, resume: false, stopFlag });
    const inThread = await new InProcessExecutor(backend.tf, prepared.registries).run(prepared.plan.trials, context(), () => {});
    const threads = await new WorkerThreadsExecutor(2).run(prepared.plan.trials, context(), () => {});
    const byId = (rs: typeof inThread) => [...rs].sort((a, b) => a.id.localeCompare(b.id));
    assert.deepEqual(withoutTiming({ trials: byId(threads) }), withoutTiming({ trials: byId(inThread) }));
    const stopFlag = newStopFlag();
    const stopped = await new InProcessExecutor(backend.tf, prepared.registries).run(prepared.plan.trials, context(stopFlag), (e) => {
      if (e.type === 'trialEnd') requestStop(stopFlag);
    });
    assert.deepEqual(stopped.map((r) => r.status), ['ok'], 'after the first trial, none started');
  });

  it('a records reporter that fails stops the run: status failed, the other reporters still hear the end', async () => {
    const { dir, prepared, backend, data } = await setUp('records', { epochs: 3 });
    const { dir: runDir, lock } = await createRunDir(join(dir, 'runs'), 'records', prepared.plan);
    let n = 0;
    const seen: string[] = [];
    const outcome = await runPlan(prepared, data, backend, {
      runDir,
      executor: new InProcessExecutor(backend.tf, prepared.registries),
      workers: 0,
      records: {
        onEvent: (e) => {
          if (e.type === 'epochEnd' && ++n === 2) throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
        },
      },
      reporters: [{ onEvent: (e) => void seen.push(e.type) }],
    });
    lock.release();
    assert.equal(outcome.status, 'failed');
    assert.match(outcome.recordsError!.message, /ENOSPC/);
    assert.ok(outcome.results.some((r) => r.status === 'interrupted'), 'the trials were stopped');
    assert.equal(seen.at(-1), 'runEnd');
  });
});

// `trainyard run --resume RUN_DIR`: continues a run from what it recorded. The trials' result.json
// files and checkpoints are the record and events.jsonl the log; resume checks the record's inputs
// (data fingerprint, backend), repairs the log without losing a line, appends what the log lacks,
// and trains what is unfinished.
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { UserError } from '../util/errors.js';
import type { DataFingerprint, Plan } from '../config/plan.js';
import type { LoadedData } from '../registry/kinds.js';
import { prepareEventLogForAppend, readEventLog, type EventLog } from '../run-log/events-file.js';
import { foldEvents } from '../run-log/fold.js';
import { stamp, type Metrics, type RunEventInput, type TrialResult } from '../run-log/types.js';
import { writeJsonAtomic } from '../util/atomic.js';
import { fsReason } from '../util/fs-errors.js';
import { printable } from '../util/text.js';
import { loadExperimentData } from '../runner/data.js';
import { dataFingerprint } from '../runner/fingerprint.js';
import { changedInputs, inputFiles } from '../runner/input-files.js';
import { lockRun, RunLockedError, type RunLock } from '../run-log/lock.js';
import { loadBackend } from '../runner/run.js';
import { recoverRun, type TrialRecord } from '../runner/recover.js';
import { CorruptRecordError, DirectoryStore } from '../runner/store.js';
import { PLAN_FILE } from '../runner/run-dir.js';
import { openRun, type OpenedRun } from './open-run.js';
import { JsonReporter, METRICS_FILE } from '../reporters/json.js';
import { describeReport } from './report.js';
import { apartFrom, fitWorkers, inProcess, train } from './run.js';
import { continueRun, continues } from './continue-run.js';
import { growPlan } from './grow.js';
import type { QueueRun, QueueStores } from './queue-run.js';
import { queueTarget } from './queue-target.js';
import { cursorOf } from '../runner/queue/stream-ids.js';

const say = (text: string) => console.log(printable(text, true));

async function takeLock(runDir: string, flag: string): Promise<RunLock> {
  try {
    return await lockRun(runDir);
  } catch (error) {
    if (error instanceof RunLockedError) throw new UserError(`${flag}: ${error.message}`);
    throw new UserError(`${flag} ${runDir}: cannot continue the run here: the directory ${fsReason(error)}`);
  }
}

/** The backend to continue on: the run's own unless --backend names another (recorded per trial). */
async function chooseBackend(run: OpenedRun, requested: string | undefined, apart: ReturnType<typeof apartFrom> | undefined) {
  const name = requested ?? run.plan.backend ?? run.config.backend.type;
  if (requested !== undefined && !run.registries.backends.has(requested)) {
    throw new UserError(`--backend ${requested}: unknown backend (valid: ${run.registries.backends.names().join(', ')})`);
  }
  try {
    return await loadBackend(run, name, apart);
  } catch (error) {
    if (requested !== undefined || !run.plan.backend) throw error;
    throw new UserError(
      `--resume ${run.runDir}: the run trained on ${name}, which cannot start here (${(error as Error).message.replace(/^backend '[^']*' cannot run: /, '')}); ` +
        `continuing on another backend changes the arithmetic: to do it anyway, add --backend NAME (it is recorded per trial)`,
    );
  }
}

/** Each trial's record: its result, or the epochs of its newest checkpoint. */
async function readRecords(store: DirectoryStore, plan: Plan, queued?: QueueStores): Promise<Map<string, TrialRecord>> {
  const records = new Map<string, TrialRecord>();
  for (const trial of plan.trials) {
    try {
      const result = (await store.loadResult(trial.id)) ?? (queued ? await queued.takeResult(trial.id) : undefined);
      if (result && !continues(result, plan.config.training.epochs)) {
        records.set(trial.id, { result });
        continue;
      }
      const checkpoint = (queued ? await queued.store.loadCheckpoint(trial.id) : undefined) ?? (await store.loadCheckpoint(trial.id));
      if (result && (!checkpoint || checkpoint.epoch < result.epochs.length)) {
        throw new UserError(
          `--resume ${store.runDir}: trial ${trial.id} finished after ${result.epochs.length} epochs without a checkpoint of its last epoch (an older trainyard made the run), ` +
            `so it cannot train on to epoch ${plan.config.training.epochs}; start a new run with --epochs ${plan.config.training.epochs}`,
        );
      }
      records.set(trial.id, checkpoint ? { checkpointEpochs: checkpoint.epochs } : {});
    } catch (error) {
      if (error instanceof CorruptRecordError) {
        throw new UserError(`--resume ${store.runDir}: trial ${trial.id}: ${error.message}. Nothing was changed; to train the trial again from its start, delete ${store.checkpointDir(trial.id)}`);
      }
      throw error;
    }
  }
  return records;
}

/** Checks that the data is what the run trained on; returns its fingerprint. */
function checkFingerprint(runDir: string, plan: Plan, data: LoadedData): DataFingerprint {
  const fingerprint = dataFingerprint(data);
  const recorded = plan.data.fingerprint;
  if (recorded && (recorded.sha256 !== fingerprint.sha256 || JSON.stringify(recorded.sizes) !== JSON.stringify(fingerprint.sizes))) {
    const sizes = (s: DataFingerprint['sizes']) => Object.entries(s).map(([k, v]) => `${k} ${v}`).join(', ');
    throw new UserError(
      `--resume ${runDir}: the data is not what the run trained on (${sizes(recorded.sizes)} samples, sha256 ${recorded.sha256.slice(0, 12)}…; ` +
        `now ${sizes(fingerprint.sizes)}, sha256 ${fingerprint.sha256.slice(0, 12)}…): a changed file would mix two datasets in one run; restore the data or start a new run`,
    );
  }
  if (!recorded) say(`${runDir}: plan.json has no fingerprint of its data (an older trainyard made it): the data could not be checked; it is recorded now`);
  return fingerprint;
}

/**
 * A finished run whose log lost its start and end (deleted, damaged): they come back from the
 * metrics.json it still has, so that its figures (start, end, seconds, peak memory) stay.
 */
async function recoverRunEnds(runDir: string, plan: Plan, log: EventLog): Promise<{ start: RunEventInput[]; end: RunEventInput[] }> {
  if (log.events.some((e) => e.type === 'runStart')) return { start: [], end: [] };
  const written = JSON.parse(await readFile(join(runDir, METRICS_FILE), 'utf8').catch(() => 'null')) as Metrics | null;
  if (!written?.environment || !written.startedAt || written.status === 'running' || written.finishedAt === null) return { start: [], end: [] };
  const { backend, backendsTried, ...environment } = written.environment;
  return {
    start: [{ type: 'runStart', time: written.startedAt, recovered: true, experiment: plan.experiment.name, runDir, backend, backendsTried, environment, trials: plan.trials.length, workers: 0, epochs: plan.config.training.epochs, stepsPerEpoch: 0 } as RunEventInput],
    end: [{ type: 'runEnd', time: written.finishedAt, recovered: true, status: written.status, seconds: written.seconds ?? 0, ...(written.peakRssMB !== undefined ? { peakRssMB: written.peakRssMB } : {}) } as RunEventInput],
  };
}

/** The log made ready to append to (bad lines copied aside), saying what was done. */
async function repairLog(runDir: string): Promise<void> {
  const log = await prepareEventLogForAppend(runDir).catch((error: unknown) => {
    throw new UserError(`--resume ${runDir}: cannot continue the run here: its events.jsonl ${fsReason(error)}`);
  });
  const n = log.copied.length;
  if (log.badFile) say(`${runDir}: events.jsonl has ${n} line${n === 1 ? '' : 's'} that ${n === 1 ? 'is' : 'are'} not events (line ${log.copied.map((b) => b.line).join(', ')}): copied to ${log.badFile} and skipped`);
}

export async function resumeCommand(values: Record<string, unknown>, sets: { flag: string; text: string }[] = []): Promise<number> {
  const flag = '--resume';
  const opened = await openRun(values.resume as string, flag, { allowPlugins: Boolean(values['allow-plugins']) });
  // --epochs N: a finished run trains on (checked before the lock: nothing is written for a refusal).
  const run = values.epochs !== undefined ? await continueRun(opened, values.epochs as string) : opened;
  // What plan.json holds now: a grown study or a switched backend is written only after every check.
  const planOnDisk = JSON.stringify(opened.plan);
  const { runDir } = run;
  const target = await queueTarget(values);
  if (target && values.workers !== undefined) throw new UserError(`--workers goes with a run in this process; on a queue, each trainyard worker has its own --concurrency N`);
  if (run.plan.queue && !target) throw new UserError(`${flag} ${runDir}: this run's trials are on the queue at ${run.plan.queue.url}: give --queue URL (or set TRAINYARD_QUEUE) to follow them`);
  if (!run.plan.queue && target) throw new UserError(`${target.flag}: ${runDir} trained in this process, not on a queue: it continues here (leave out --queue and TRAINYARD_QUEUE)`);
  const lock = await takeLock(runDir, flag);
  let handedOver = false;
  let queued: QueueRun | undefined;
  try {
    if (sets.length > 0) {
      // A study grows: new trials join the plan, the finished ones stay as they are.
      const grown = await growPlan(run.plan, sets, runDir);
      if (grown.added > 0) {
        // In memory only until every check below has passed: plan.json is written with the rest, before training.
        run.plan = grown.plan;
        run.config = grown.plan.config;
        say(`${runDir}: the study grows by ${grown.added} trial${grown.added === 1 ? '' : 's'} (${grown.plan.trials.length} in all); the ${grown.plan.trials.length - grown.added} it has are kept`);
      } else say(`${runDir}: ${sets.map((s) => s.text).join(' ')} adds no trials to the study`);
    }
    if (target) {
      const { connectQueue, queueRun } = await import('./queue-run.js');
      queued = queueRun(await connectQueue(target), target, run.plan, runDir);
    }
    // What the run recorded and what its log says, read first: nothing is written before the checks.
    const store = new DirectoryStore(runDir);
    const records = await readRecords(store, run.plan, queued?.stores);
    const log = await readEventLog(runDir);
    if (log.missing) say(`${runDir}: events.jsonl is missing: rebuilding what it held from the trials' checkpoints and results`);
    const folded = foldEvents(run.plan, log.events);
    const { events: recoveredTrials, notes } = recoverRun(folded, records);
    const done: TrialResult[] = [...records.values()].flatMap((r) => (r.result ? [r.result] : []));
    const ends = done.length === run.plan.trials.length ? await recoverRunEnds(runDir, run.plan, log) : { start: [], end: [] };
    const recovered = [...ends.start, ...recoveredTrials, ...ends.end];
    // A queued run its coordinator left (Ctrl-C) while the workers went on to finish it ends now, as it would have.
    const queueFinishedAway = Boolean(run.plan.queue) && folded.status === 'interrupted';
    if (done.length === run.plan.trials.length && (folded.status !== 'running' || ends.end.length > 0) && !queueFinishedAway) {
      // A run that ended, every trial finished: nothing to train (no data needed), and its figures stay as they were.
      await repairLog(runDir);
      notes.forEach(say);
      const json = new JsonReporter(runDir, run.plan, log.events);
      for (const event of recovered) await json.onEvent(stamp(event));
      const written = await readFile(join(runDir, METRICS_FILE), 'utf8').catch(() => '');
      if (written !== `${JSON.stringify(json.current, null, 2)}\n`) {
        await json.write();
        say(`${runDir}: metrics.json written again from the log`);
      }
      // A report the run never finished writing (a kill at its very end) is made now.
      const reportMissing = !(await stat(join(runDir, 'report.html')).catch(() => undefined));
      if ((recovered.length > 0 || reportMissing) && !values['no-report']) say(describeReport(await (await import('../reporters/report.js')).buildReport([runDir], runDir)));
      const ended = json.current;
      say(`${runDir}: nothing to resume: every trial finished (the run ended ${ended.status}${ended.finishedAt ? ` at ${ended.finishedAt}` : ''})`);
      return ended.status === 'ok' ? 0 : 1;
    }
    const data = await loadExperimentData(run.config, run.registries, run.baseDir).catch((error: Error) => {
      throw new UserError(`${flag} ${runDir}: the data cannot be loaded: ${error.message}`);
    });
    const fingerprint = checkFingerprint(runDir, run.plan, data);
    const changed = changedInputs(run.plan.inputs, await inputFiles(run.plan).catch((error: Error) => {
      throw new UserError(`${flag} ${runDir}: a file the run trained from cannot be read: ${error.message}`);
    }));
    if (changed.length > 0) throw new UserError(`${flag} ${runDir}: ${changed.join('; ')}: the run would mix two inputs; restore the file or start a new run`);
    const backend = await chooseBackend(run, values.backend as string | undefined, inProcess(values, target) ? undefined : apartFrom(run.plan));
    await repairLog(runDir);
    notes.forEach(say);
    const plan: Plan = { ...run.plan, backend: run.plan.backend ?? backend.name, data: { ...run.plan.data, fingerprint } };
    const planBackend = plan.backend!;
    if (backend.name !== planBackend) {
      // Each unfinished trial continues on the new backend from the epoch after its checkpoint.
      plan.trials = plan.trials.map((t) => {
        if (records.get(t.id)?.result) return t;
        const from = (records.get(t.id)?.checkpointEpochs?.length ?? 0) + 1;
        if ((t.backends?.at(-1)?.name ?? planBackend) === backend.name) return t;
        const before = (t.backends ?? [{ name: planBackend, fromEpoch: 1 }]).filter((b) => b.fromEpoch < from);
        return { ...t, backends: [...before, { name: backend.name, fromEpoch: from }] };
      });
      say(`${runDir}: continuing on ${backend.name} (the run trained on ${planBackend}); recorded per trial in plan.json`);
    }
    if (JSON.stringify(plan) !== planOnDisk) {
      await writeJsonAtomic(join(runDir, PLAN_FILE), plan).catch((error: unknown) => {
        throw new UserError(`${flag} ${runDir}: cannot continue the run here: its plan.json ${fsReason(error)}`);
      });
    }
    const fitted = fitWorkers({ plan, config: run.config, registries: run.registries }, backend, values, plan.trials.length - done.length);
    const executor = queued ? await queued.executor(fitted.plan, { metrics: foldEvents(run.plan, [...log.events, ...recovered.map(stamp)]), cursor: cursorOf(log.events) }) : undefined;
    handedOver = true;
    return await train(
      { plan: fitted.plan, registries: run.registries, config: run.config },
      backend,
      data,
      { runDir, lock, workers: fitted.workers, resume: { earlier: log.events, done, recovered }, ...(executor ? { queue: { executor, shown: target!.address.shown } } : {}) },
      values,
    );
  } finally {
    if (!handedOver) lock.release();
    queued?.close();
  }
}

import { dirname, resolve } from 'node:path';
import { prepare } from '../config/pipeline.js';
import { createRegistries } from '../registry/index.js';
import { checkOutputRoot } from '../config/inspect.js';
import { failWith } from '../config/load.js';
import { formatWarning, UserError } from '../util/errors.js';
import { PluginInputError, type LoadedData } from '../registry/kinds.js';
import type { ProbedBackend } from '../runner/backend.js';
import type { RunEvent, RunEventInput, TrialResult } from '../run-log/types.js';
import { createRunDir, RunDirError } from '../runner/run-dir.js';
import type { RunLock } from '../run-log/lock.js';
import { loadBackend, runPlan, type RunInputs } from '../runner/run.js';
import { fitRun, type FitInputs, type FittedRun } from '../runner/workers.js';
import { InProcessExecutor, newStopFlag, requestStop, isStopped } from '../runner/executor.js';
import { WorkerThreadsExecutor } from '../runner/worker-pool.js';
import { dataFingerprint } from '../runner/fingerprint.js';
import { inputFiles } from '../runner/input-files.js';
import { loadExperimentData } from '../runner/data.js';
import { ConsoleReporter } from '../reporters/console.js';
import { JsonReporter } from '../reporters/json.js';
import { onFatalError } from '../util/process-errors.js';
import { fsReason } from '../util/fs-errors.js';
import { printable } from '../util/text.js';
import type { Prepared } from '../config/pipeline.js';
import { resumeCommand } from './resume.js';
import { studyLine } from '../config/estimate-study.js';
import { queueEntry, queueTarget } from './queue-target.js';
import type { Executor } from '../runner/executor.js';
import type { Plan } from '../config/plan.js';

export const RUN_HELP = (): string => `Usage: trainyard run FILE [options]
       trainyard run --resume RUN_DIR [--epochs N] [--workers N] [--backend NAME] [--quiet] [--no-report] [--allow-plugins]

Trains every trial of the experiment (seeds x optimizers) and writes
<out>/<experiment name>/<run id>/: plan.json, events.jsonl, metrics.json, and
at the end charts/ and report.html (see trainyard report).

Options:
  --backend NAME      ${createRegistries().backends.names().join(', ')} (overrides the file;
                      with --resume: continue on another backend than the run's, recorded per trial)
  --workers N         worker threads training trials in parallel (default: trials,
                      at most cores + 1, and as many as fit limits.memoryMB; 1 on native
                      TensorFlow); 0: one trial after another in this thread, no worker threads
  --epochs N          same as --set training.epochs=N; with --resume: train a finished
                      run on to epoch N (each trial from its last epoch's checkpoint)
  --set PATH=VALUE    override a value of the file, e.g. --set optimizers[2].lr=1e-3
                      or --set training.batchSize=32 (repeatable; validated like the file)
  --out DIR           root of run directories (default: runs/ in the current directory)
  --quiet             no per-epoch lines: only failures and the summary
  --no-report         skip charts/ and report.html (trainyard report RUN_DIR makes them later)
  --resume RUN_DIR    continue a run that was interrupted or killed: finished trials are
                      kept, the others continue from their last epoch checkpoint
  --allow-plugins     with --resume: import the plugin modules the run's plan names (their code runs)
  --queue URL         put the trials on a queue (redis://[USER:PASSWORD@]HOST:PORT[/DB], rediss://
                      for TLS; or set TRAINYARD_QUEUE, which keeps the password out of shell history)
                      for trainyard worker processes on any machine; the run directory is written here
  --store DIR         with --queue: workers keep checkpoints and results in DIR, a directory every
                      machine mounts (default: in Redis, for checkpoints of at most 16 MB)

Ctrl-C (SIGINT) or SIGTERM stops every trial at its next step and keeps the checkpoints of the
finished epochs (exit 130); a second Ctrl-C exits at once.
  -h, --help          this help`;

export const RUN_OPTIONS = {
  backend: { type: 'string' },
  workers: { type: 'string' },
  epochs: { type: 'string' },
  set: { type: 'string', multiple: true },
  out: { type: 'string' },
  quiet: { type: 'boolean' },
  'no-report': { type: 'boolean' },
  resume: { type: 'string' },
  'allow-plugins': { type: 'boolean' },
  queue: { type: 'string' },
  store: { type: 'string' },
} as const;

export function workerCount(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text) || Number(text) > 256) throw new UserError(`--workers must be a whole number from 0 to 256 (got '${text}'; 0 trains in this thread)`);
  return Number(text);
}

async function loadData(prepared: Prepared, file: string): Promise<LoadedData> {
  const { type } = prepared.config.dataset;
  try {
    return await loadExperimentData(prepared.config, prepared.registries, dirname(resolve(file)));
  } catch (error) {
    const param = error instanceof PluginInputError && error.param ? [error.param] : [];
    failWith(prepared.source, [{ path: ['dataset', ...param], message: `dataset '${type}': ${(error as Error).message}` }]);
    throw error;
  }
}

/** SIGINT/SIGTERM stop every trial at its next step (checkpoints stay); a second one exits at once. */
function onInterrupt(stopFlag: Int32Array): () => void {
  const handler = (signal: NodeJS.Signals) => {
    if (isStopped(stopFlag)) process.exit(130);
    requestStop(stopFlag);
    process.stderr.write(`\n${signal}: stopping after the current step; the last finished epochs are checkpointed (again to quit at once)\n`);
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return () => {
    process.off('SIGINT', handler);
    process.off('SIGTERM', handler);
  };
}

/** Whether the trials train in this thread (--workers 0 on a run of its own). */
export const inProcess = (values: Record<string, unknown>, queue: unknown): boolean => !queue && workerCount(values.workers as string | undefined) === 0;

/** What a thread that starts the backend apart needs to load the experiment's plugins first. */
export const apartFrom = (plan: Plan) => ({ experimentFile: plan.experiment.file, pluginModules: plan.pluginModules ?? [] });

/**
 * The worker count a run may use within limits.memoryMB (--workers N refused when it cannot fit;
 * the default shrunk to what fits, with a note), and the plan with the estimate for it.
 * --workers 0 trains in this thread: one trial at a time, as one worker would.
 */
export function fitWorkers(inputs: FitInputs, backend: ProbedBackend, values: Record<string, unknown>, trials?: number): FittedRun {
  const requested = workerCount(values.workers as string | undefined);
  const fitted = fitRun(inputs, inputs.registries.backends.get(backend.name), requested === 0 ? 1 : requested, trials);
  if (fitted.note) console.error(fitted.note);
  return requested === 0 ? { ...fitted, workers: 0 } : fitted;
}

export interface TrainOptions {
  runDir: string;
  lock: RunLock;
  /** Worker threads, chosen to fit limits.memoryMB (see fitWorkers); 0: this thread. */
  workers: number;
  /** On a resume: the events in the log so far, the finished trials, and what the log lacked. */
  resume?: { earlier: RunEvent[]; done: TrialResult[]; recovered: RunEventInput[] };
  /** The trials go to a queue: its executor, and its URL as it may be shown. */
  queue?: { executor: Executor; shown: string };
}

/** Trains the inputs' trials into the run directory with the JSON, console and report reporters; returns the exit code. */
export async function train(inputs: RunInputs, backend: ProbedBackend, data: LoadedData, run: TrainOptions, values: Record<string, unknown>): Promise<number> {
  const { runDir } = run;
  const started = performance.now();
  const records = new JsonReporter(runDir, inputs.plan, run.resume?.earlier ?? []);
  const terminal = new ConsoleReporter(inputs.plan, { quiet: Boolean(values.quiet) });
  if (run.resume) terminal.replay(run.resume.earlier);
  // Loaded only for a run that makes a report (its modules, vega and vega-lite, are heavy).
  const report = values['no-report'] ? undefined : new (await import('../reporters/report.js')).ReportReporter(runDir);
  const stopFlag = newStopFlag();
  const releaseSignals = onInterrupt(stopFlag);
  const releaseFatal = onFatalError((error) => records.abortSync(`the run stopped on an error nobody caught: ${error.message.split('\n')[0]}`, (performance.now() - started) / 1000));
  try {
    const queued = inputs.plan.trials.length - (run.resume?.done.length ?? 0);
    const { workers } = run;
    const outcome = await runPlan(inputs, data, backend, {
      runDir,
      executor: run.queue?.executor ?? (workers === 0 ? new InProcessExecutor(backend.tf ?? (await loadBackend(inputs, backend.name)).tf, inputs.registries) : new WorkerThreadsExecutor(workers)),
      ...(run.queue ? { queue: run.queue.shown } : { store: { kind: 'directory', dir: runDir } as const }),
      workers: run.queue ? 0 : Math.max(0, Math.min(workers, queued)),
      ...(run.resume ? { resume: { done: run.resume.done, recovered: run.resume.recovered } } : {}),
      records,
      reporters: [terminal, ...(report ? [report] : [])],
      stopFlag,
    });
    if (values.quiet) console.log(`${outcome.status}: ${printable(runDir)}`);
    if (report?.result) console.log(`report: ${printable(report.result.path)}`);
    for (const warning of outcome.warnings) console.error(`trainyard: a reporter failed (the run went on): ${printable(warning.message.split('\n')[0]!)}`);
    // The run's records are complete either way, so a report that could not be built only warns.
    if (report?.error) console.error(`trainyard: the report could not be built: ${printable(report.error.message)} (trainyard report ${runDir} tries again)`);
    if (outcome.recordsError) {
      console.error(
        `trainyard: the run stopped: its records in ${runDir} could not be written (${printable(fsReason(outcome.recordsError))}: ${printable(outcome.recordsError.message.split('\n')[0]!)}); ` +
          `once that is fixed, continue with: trainyard run --resume ${runDir}`,
      );
      return 1;
    }
    const lost = run.queue?.executor.failure?.();
    if (lost) {
      // The console printed why with the run's end.
      console.error(`continue with: trainyard run --resume ${runDir} (the queue from --queue URL or TRAINYARD_QUEUE)`);
      return 1;
    }
    if (outcome.status === 'interrupted' && run.queue) console.error(`interrupted; the queued trials stay on the queue and its workers go on; follow them again with: trainyard run --resume ${runDir} (the queue from --queue URL or TRAINYARD_QUEUE)`);
    else if (outcome.status === 'interrupted') console.error(`interrupted; continue with: trainyard run --resume ${runDir}`);
    else if (outcome.status === 'failed') console.error(`some trials failed; to train them again from their checkpoints: trainyard run --resume ${runDir}`);
    return outcome.status === 'ok' ? 0 : outcome.status === 'interrupted' ? 130 : 1;
  } finally {
    releaseSignals();
    releaseFatal();
    run.lock.release();
  }
}

export async function runCommand(args: string[], values: Record<string, unknown>, sets: { flag: string; text: string }[]): Promise<number> {
  if (values.resume !== undefined) {
    if (args.length > 0 || values.out !== undefined) {
      throw new UserError('run --resume RUN_DIR takes no FILE or --out: the plan comes from the run directory (--epochs N trains a finished run on to epoch N; --set seeds.count=N grows a study)');
    }
    const grows = sets.filter((s) => s.flag !== '--epochs');
    const other = grows.find((s) => !/^(seeds|sweep|limits\.maxTrials)\b/.test(s.text));
    if (other) throw new UserError(`run --resume RUN_DIR ${other.flag} ${other.text}: with --resume, --set may only grow the study (seeds, sweep, limits.maxTrials); the rest of the plan stays as the run trained it`);
    if (grows.length > 0 && values.epochs !== undefined) throw new UserError('run --resume RUN_DIR: --epochs N and --set grow a run one at a time: train on to more epochs, or add trials, then run the other');
    return resumeCommand(values, grows);
  }
  if (values['allow-plugins']) throw new UserError('--allow-plugins goes with --resume (a new run imports the plugin modules its experiment file names)');
  if (args.length !== 1) throw new UserError('run needs exactly one FILE (trainyard run experiments/lecture-25-optimizers.yaml), or --resume RUN_DIR');
  const file = args[0]!;
  workerCount(values.workers as string | undefined);
  const allSets = values.backend !== undefined ? [...sets, { flag: '--backend', text: `backend=${values.backend}` }] : sets;
  const prepared = await prepare(file, { sets: allSets });
  for (const warning of prepared.warnings) console.error(formatWarning(warning));
  const outFlag = values.out !== undefined ? '--out' : 'output directory runs/';
  const outRoot = resolve((values.out as string | undefined) ?? 'runs');
  await checkOutputRoot(outRoot, outFlag, prepared.plan.experiment.name);
  const target = await queueTarget(values); // a malformed queue URL too
  if (target && values.workers !== undefined) throw new UserError(`--workers goes with a run in this process; on a queue, each trainyard worker has its own --concurrency N`);
  // So is a queue that cannot be reached: checked first, within seconds.
  const queueSide = target ? await import('./queue-run.js') : undefined;
  const link = target ? await queueSide!.connectQueue(target) : undefined;
  const disconnect = () => link && [link.commands, link.reader].forEach((c) => c.disconnect());
  let backend: ProbedBackend, fitted: FittedRun, data: LoadedData;
  try {
    // A backend that cannot run is an error before anything is written; trials that train in worker
    // threads or on a queue leave this thread without a TF.js instance of its own.
    backend = await loadBackend(prepared, undefined, inProcess(values, target) ? undefined : apartFrom(prepared.plan));
    fitted = fitWorkers(prepared, backend, values); // so is a run that cannot fit limits.memoryMB
    data = await loadData(prepared, file);
  } catch (error) {
    disconnect();
    throw error;
  }
  if (!values.quiet) console.log(studyLine(fitted.plan.estimates ?? {}, backend.name, target ? 'queue' : fitted.workers));
  // What inspect noted (data it would download) is done by now.
  const { notes: _notes, ...facts } = fitted.plan.data;
  const inputs = await inputFiles(fitted.plan);
  const plan: Plan = {
    ...fitted.plan,
    backend: backend.name,
    data: { ...facts, fingerprint: dataFingerprint(data) },
    ...(Object.keys(inputs).length > 0 ? { inputs } : {}),
    ...(target ? { queue: queueEntry(target) } : {}),
  };
  const created = await createRunDir(outRoot, plan.experiment.name, plan).catch((error: unknown) => {
    disconnect();
    throw error instanceof RunDirError ? new UserError(`${outFlag}: ${error.message}`) : error;
  });
  const executor = link ? await queueSide!.queueRun(link, target!, plan, created.dir).executor(plan) : undefined;
  return train({ ...prepared, plan }, backend, data, { runDir: created.dir, lock: created.lock, workers: fitted.workers, ...(executor ? { queue: { executor, shown: target!.address.shown } } : {}) }, values);
}

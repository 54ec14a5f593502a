import { Worker } from 'node:worker_threads';
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import type { Prepared } from '../config/pipeline.js';
import type { Trial } from '../config/plan.js';
import type { LoadedBackend, LoadedData } from '../registry/kinds.js';
import { UserError } from '../config/errors.js';
import { stamp, type Reporter, type RunEvent, type RunEventInput, type TrialResult } from './events.js';
import type { FromWorker, ToWorker, WorkerInit } from './worker.js';

export interface RunOptions {
  /** The run directory, already created. */
  runDir: string;
  /** Backend name that replaces the config's (--backend). */
  backend?: string;
  /** Worker threads; default: see defaultWorkers. */
  workers?: number;
  reporters: Reporter[];
}

export interface RunOutcome {
  status: 'ok' | 'failed';
  results: TrialResult[];
  seconds: number;
}

const NATIVE = new Set(['tensorflow', 'tensorflow-gpu']);

/**
 * wasm and cpu compute on one thread per TF.js instance, so trials run in parallel workers: one
 * more worker than cores, measured faster for the lecture's 3 trials on 2 cores than 2 workers
 * and a straggler. Native TensorFlow uses every core itself, so one worker.
 */
export function defaultWorkers(trials: number, backend: string, cores = availableParallelism()): number {
  if (NATIVE.has(backend)) return 1;
  return Math.max(1, Math.min(trials, cores + 1));
}

/** Chooses and loads the backend (auto tries them in order), recording why earlier ones failed. */
export async function loadBackend(prepared: Prepared, override?: string): Promise<LoadedBackend> {
  const name = override ?? prepared.config.backend.type;
  const { backends } = prepared.registries;
  try {
    return await backends.get(name).load({ backends });
  } catch (error) {
    throw new UserError(`backend '${name}' cannot run: ${(error as Error).message}`);
  }
}

/** Trains every trial of the plan in worker threads and sends the events to the reporters. */
export async function runPlan(prepared: Prepared, data: LoadedData, backend: LoadedBackend, options: RunOptions): Promise<RunOutcome> {
  const { plan } = prepared;
  const started = performance.now();
  const workers = Math.max(1, Math.min(options.workers ?? defaultWorkers(plan.trials.length, backend.name), plan.trials.length));
  let chain = Promise.resolve();
  // Reporters see events one at a time and in order, even when they write files.
  const emit = (event: RunEventInput): Promise<void> => {
    const stamped: RunEvent = stamp(event);
    chain = chain.then(async () => {
      for (const reporter of options.reporters) await reporter.onEvent(stamped);
    });
    return chain;
  };
  emit({
    type: 'runStart',
    experiment: plan.experiment.name,
    runDir: options.runDir,
    backend: backend.name,
    backendsTried: backend.tried,
    trials: plan.trials.length,
    workers,
    epochs: plan.config.training.epochs,
    stepsPerEpoch: Math.ceil(data.train.count / plan.config.training.batchSize),
  });

  const results = new Map<string, TrialResult>();
  const queue = [...plan.trials];
  const init: WorkerInit = { plan: { ...plan, experiment: { ...plan.experiment, file: resolve(plan.experiment.file) } }, backend: backend.name, data };
  await Promise.all(Array.from({ length: workers }, () => workLoop(init, queue, results, emit)));

  const ordered = plan.trials.map((t) => results.get(t.id) as TrialResult);
  const status = ordered.some((r) => r.status === 'failed') ? 'failed' : 'ok';
  const seconds = (performance.now() - started) / 1000;
  // Worker threads share the process, so this is the whole run's peak.
  await emit({ type: 'runEnd', status, seconds, peakRssMB: process.resourceUsage().maxRSS / 1024 });
  for (const reporter of options.reporters) await reporter.close?.();
  return { status, results: ordered, seconds };
}

/** One worker thread taking trials from the shared queue until it is empty. */
function workLoop(init: WorkerInit, queue: Trial[], results: Map<string, TrialResult>, emit: (e: RunEventInput) => Promise<void>): Promise<void> {
  return new Promise((done) => {
    const worker = new Worker(new URL('./worker.js', import.meta.url), { workerData: init });
    let current: Trial | undefined;
    const fail = (trial: Trial, error: string) => {
      results.set(trial.id, { id: trial.id, status: 'failed', error, epochs: [] });
      void emit({ type: 'trialFailed', trialId: trial.id, error });
      void emit({ type: 'trialEnd', trialId: trial.id, status: 'failed', epochs: 0 });
    };
    const next = () => {
      current = queue.shift();
      if (current) worker.postMessage({ type: 'trial', trial: current } satisfies ToWorker);
      else worker.postMessage({ type: 'stop' } satisfies ToWorker);
    };
    worker.on('message', (message: FromWorker) => {
      switch (message.type) {
        case 'ready':
          next();
          break;
        case 'initFailed':
          // The same cause would fail every trial: take them all off the queue.
          for (const trial of queue.splice(0)) fail(trial, `worker could not start: ${message.error}`);
          void worker.terminate();
          break;
        case 'event':
          void emit(message.event);
          break;
        case 'done':
          results.set(message.result.id, message.result);
          next();
          break;
      }
    });
    worker.on('error', (error) => {
      if (current) fail(current, `worker thread crashed: ${error.message}`);
      current = undefined;
    });
    worker.on('exit', () => {
      if (current && !results.has(current.id)) fail(current, 'worker thread exited unexpectedly');
      if (queue.length > 0) {
        // Restart for the remaining trials so one crash does not end the run.
        void workLoop(init, queue, results, emit).then(done);
      } else {
        done();
      }
    });
  });
}


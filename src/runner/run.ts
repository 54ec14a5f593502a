import { Worker } from 'node:worker_threads';
import { availableParallelism } from 'node:os';
import type { Plan, Trial } from '../config/plan.js';
import type { Registries } from '../registry/index.js';
import type { LoadedBackend, LoadedData } from '../registry/kinds.js';
import type { Experiment } from '../config/types.js';
import { UserError } from '../config/errors.js';
import { stamp, type Reporter, type RunEvent, type RunEventInput, type TrialResult } from './events.js';
import { loadResult } from './checkpoint.js';
import type { FromWorker, ToWorker, WorkerInit } from './worker.js';

/** What a run needs from the config side: the plan, the registries with user plugins, the config. */
export interface RunInputs {
  plan: Plan;
  registries: Registries;
  config: Experiment;
}

export interface RunOptions {
  /** The run directory, already created (it holds checkpoints and final weights). */
  runDir: string;
  /** Worker threads; default: see defaultWorkers. */
  workers?: number;
  /** Continue a run: finished trials are skipped, the others resume from their checkpoints. */
  resume?: boolean;
  reporters: Reporter[];
  /** Set to 1 (Atomics) to make every trial stop at its next step. */
  stopFlag?: Int32Array;
}

export type RunStatus = 'ok' | 'failed' | 'interrupted';

export interface RunOutcome {
  status: RunStatus;
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
export async function loadBackend(inputs: RunInputs): Promise<LoadedBackend> {
  const name = inputs.config.backend.type;
  const { backends } = inputs.registries;
  try {
    return await backends.get(name).load({ backends });
  } catch (error) {
    throw new UserError(`backend '${name}' cannot run: ${(error as Error).message}`);
  }
}

/** A flag in shared memory: workers read it every step without waiting for a message. */
export const newStopFlag = (): Int32Array => new Int32Array(new SharedArrayBuffer(4));

/** Trains every trial of the plan in worker threads and sends the events to the reporters. */
export async function runPlan(inputs: RunInputs, data: LoadedData, backend: LoadedBackend, options: RunOptions): Promise<RunOutcome> {
  const { plan } = inputs;
  const started = performance.now();
  const stopFlag = options.stopFlag ?? newStopFlag();
  const results = new Map<string, TrialResult>();
  if (options.resume) {
    for (const trial of plan.trials) {
      const done = await loadResult(options.runDir, trial.id);
      if (done) results.set(trial.id, done);
    }
  }
  const queue = plan.trials.filter((t) => !results.has(t.id));
  const workers = Math.max(1, Math.min(options.workers ?? defaultWorkers(queue.length, backend.name), Math.max(1, queue.length)));
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
    ...(options.resume ? { resumed: results.size } : {}),
  });

  const init: WorkerInit = { plan, backend: backend.name, data, runDir: options.runDir, resume: Boolean(options.resume), stopFlag };
  if (queue.length > 0) await Promise.all(Array.from({ length: workers }, () => workLoop(init, queue, results, emit, stopFlag)));

  const ordered = plan.trials.map((t) => results.get(t.id) ?? { id: t.id, status: 'interrupted' as const, epochs: [] });
  const status: RunStatus = ordered.some((r) => r.status === 'interrupted')
    ? 'interrupted'
    : ordered.some((r) => r.status === 'failed')
      ? 'failed'
      : 'ok';
  const seconds = (performance.now() - started) / 1000;
  // Worker threads share the process, so this is the whole run's peak.
  await emit({ type: 'runEnd', status, seconds, peakRssMB: process.resourceUsage().maxRSS / 1024 });
  for (const reporter of options.reporters) await reporter.close?.();
  return { status, results: ordered, seconds };
}

/** One worker thread taking trials from the shared queue until it is empty or the run stops. */
function workLoop(init: WorkerInit, queue: Trial[], results: Map<string, TrialResult>, emit: (e: RunEventInput) => Promise<void>, stopFlag: Int32Array): Promise<void> {
  return new Promise((done) => {
    const worker = new Worker(new URL('./worker.js', import.meta.url), { workerData: init });
    let current: Trial | undefined;
    const fail = (trial: Trial, error: string) => {
      results.set(trial.id, { id: trial.id, status: 'failed', error, epochs: [] });
      void emit({ type: 'trialFailed', trialId: trial.id, error });
      void emit({ type: 'trialEnd', trialId: trial.id, status: 'failed', epochs: 0 });
    };
    const next = () => {
      current = Atomics.load(stopFlag, 0) === 0 ? queue.shift() : undefined;
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
      if (queue.length > 0 && Atomics.load(stopFlag, 0) === 0) {
        // Restart for the remaining trials so one crash does not end the run.
        void workLoop(init, queue, results, emit, stopFlag).then(done);
      } else {
        done();
      }
    });
  });
}

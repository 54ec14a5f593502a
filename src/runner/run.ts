import { availableParallelism } from 'node:os';
import { trialConfig, type Plan } from '../config/plan.js';
import { trialCosts } from '../config/estimate-study.js';
import type { Registries } from '../registry/index.js';
import type { BackendPlugin, LoadedBackend, LoadedData } from '../registry/kinds.js';
import type { Experiment } from '../config/types.js';
import { UserError } from '../util/errors.js';
import type { Reporter, RunEventInput, RunStatus, TrialResult } from '../run-log/types.js';
import { machineEnvironment } from '../util/environment.js';
import { EventBus } from './event-bus.js';
import { isStopped, newStopFlag, requestStop, type Executor, type TrialRunContext } from './executor.js';
import { loadBackendQuietly, probeBackend, type ProbedBackend } from './backend.js';
import type { ProbeRequest } from './backend-probe.js';
import type { StoreSpec } from './store.js';

export { newStopFlag } from './executor.js';

/** What a run needs from the config side: the plan, the registries with user plugins, the config. */
export interface RunInputs {
  plan: Plan;
  registries: Registries;
  config: Experiment;
}

export interface RunOptions {
  /** The run directory, already created (runStart names it). */
  runDir: string;
  executor: Executor;
  /** Where trials keep what they resume from; none: they keep nothing. */
  store?: StoreSpec;
  /** Worker threads the executor uses, as runStart records it. */
  workers: number;
  /** Continue a run: `done` trials are skipped, the others resume from their checkpoints. */
  resume?: { done: TrialResult[]; recovered: RunEventInput[] };
  /** Writes events.jsonl and metrics.json: when it fails, the run stops and fails. */
  records?: Reporter;
  /** Console, report: what they fail at is a warning. */
  reporters: Reporter[];
  /** Set to 1 (Atomics) to make every trial stop at its next step. */
  stopFlag?: Int32Array;
  /** The queue the trials go to (its URL as it may be shown), recorded by runStart. */
  queue?: string;
}

export interface RunOutcome {
  status: RunStatus;
  results: TrialResult[];
  seconds: number;
  /** Why the run's records could not be written (the run stopped for it). */
  recordsError?: Error;
  /** Reporters that failed (the run went on). */
  warnings: Error[];
}

/**
 * As many workers as trials, up to what the backend says pays at once (its parallelTrials: one
 * more than cores where TF.js computes on one thread per instance, 1 where it uses every core).
 */
export function defaultWorkers(trials: number, backend: Pick<BackendPlugin, 'parallelTrials'>, cores = availableParallelism()): number {
  return Math.max(1, Math.min(trials, backend.parallelTrials?.(cores) ?? cores + 1));
}

/**
 * Chooses and loads the backend (auto tries them in order), recording why earlier ones failed.
 * With `apart` (a run whose trials train in worker threads or on a queue), it is started in a
 * thread of its own that then ends: this thread gets no TF.js instance (see backend-probe.ts).
 */
export async function loadBackend(inputs: { registries: Registries; config: Experiment }, name?: string): Promise<LoadedBackend>;
export async function loadBackend(inputs: { registries: Registries; config: Experiment }, name: string | undefined, apart: Omit<ProbeRequest, 'backend'> | undefined): Promise<ProbedBackend>;
export async function loadBackend(inputs: { registries: Registries; config: Experiment }, name = inputs.config.backend.type, apart?: Omit<ProbeRequest, 'backend'>): Promise<ProbedBackend> {
  try {
    return await (apart ? probeBackend(inputs.registries, name, apart) : loadBackendQuietly(inputs.registries, name));
  } catch (error) {
    throw new UserError(`backend '${name}' cannot run: ${(error as Error).message}`);
  }
}

/** Trains the plan's trials through the executor and sends the events to the reporters. */
export async function runPlan(inputs: RunInputs, data: LoadedData, backend: ProbedBackend, options: RunOptions): Promise<RunOutcome> {
  const { plan } = inputs;
  const started = performance.now();
  const stopFlag = options.stopFlag ?? newStopFlag();
  const bus = new EventBus(options.records, options.reporters, () => requestStop(stopFlag));
  const emit = (event: RunEventInput) => void bus.emit(event);
  const done = new Map((options.resume?.done ?? []).map((r) => [r.id, r]));
  for (const event of options.resume?.recovered ?? []) emit(event);
  // Longest first, so that no long trial starts last while the other cores sit idle (stable: equal trials keep the plan's order).
  const costs = trialCosts(plan.config, inputs.registries, plan.data, plan.trials, backend.name);
  const queue = plan.trials.filter((t) => !done.has(t.id)).sort((a, b) => (costs.get(b.id) ?? 0) - (costs.get(a.id) ?? 0));
  emit({
    type: 'runStart',
    experiment: plan.experiment.name,
    runDir: options.runDir,
    backend: backend.name,
    backendsTried: backend.tried,
    environment: { ...machineEnvironment(), ...(backend.adapter ? { adapter: backend.adapter } : {}) },
    trials: plan.trials.length,
    workers: options.workers,
    epochs: plan.config.training.epochs,
    stepsPerEpoch: Math.ceil(data.train.count / plan.config.training.batchSize),
    totalSteps: plan.trials.reduce((sum, t) => {
      const { training } = trialConfig(plan.config, t);
      return sum + training.epochs * Math.ceil(data.train.count / training.batchSize);
    }, 0),
    ...(options.resume ? { resumed: done.size } : {}),
    ...(options.queue ? { queue: options.queue } : {}),
  });
  const context: TrialRunContext = { plan, backend: backend.name, data, store: options.store, resume: Boolean(options.resume), stopFlag };
  const results = await options.executor.run(queue, context, emit);
  for (const r of results) done.set(r.id, r);
  // A trial the run never got to (it stopped first) is interrupted.
  const ordered = plan.trials.map((t) => done.get(t.id) ?? { id: t.id, status: 'interrupted' as const, epochs: [] });
  await bus.flush();
  const recordsError = bus.failure;
  const status: RunStatus = recordsError
    ? 'failed'
    : ordered.some((r) => r.status === 'interrupted') && isStopped(stopFlag)
      ? 'interrupted'
      : ordered.some((r) => r.status === 'failed' || r.status === 'interrupted')
        ? 'failed'
        : 'ok';
  const seconds = (performance.now() - started) / 1000;
  const executorFailure = options.executor.failure?.();
  // Worker threads share the process, so this is the whole run's peak.
  const runEnd: RunEventInput = {
    type: 'runEnd',
    status,
    seconds,
    peakRssMB: process.resourceUsage().maxRSS / 1024,
    ...(recordsError ? { error: `the run's records could not be written: ${recordsError.message}` } : executorFailure ? { error: executorFailure } : {}),
  };
  await bus.emit(runEnd);
  // The records stopped at their failure; their end is worth one more try (a disk with room again).
  if (recordsError) await bus.retryRecords(runEnd);
  await bus.close();
  return { status, results: ordered, seconds, ...(bus.failure ? { recordsError: bus.failure } : {}), warnings: [...bus.warnings.values()] };
}

// The contract between the runner, which writes a run directory, and everything that reads one
// (reporters, commands): the events of events.jsonl and the metrics.json they fold into. A leaf
// module: it imports nothing of trainyard's, so every side can depend on it.

/** One epoch's figures, as metrics.json records them. */
export interface EpochRecord {
  epoch: number;
  /** Running mean of the training loss over the epoch's batches (as the lecture prints it). */
  trainLoss: number;
  testLoss?: number;
  testAccuracy?: number;
  /** With a validation hold-out: the same metrics on it. */
  valLoss?: number;
  valAccuracy?: number;
  /** Learning rate in effect during the epoch. */
  lr: number;
  seconds: number;
  cumulativeSeconds: number;
  /** Optimizer steps taken so far in the trial. */
  steps: number;
}

/** How a trial ended; `pending` (not started) and `running` only while a run is being written. */
export type TrialStatus = 'ok' | 'diverged' | 'failed' | 'interrupted';
export type TrialState = TrialStatus | 'pending' | 'running';

/** Early stopping ended the trial at `epoch`; the watched figure was best at `bestEpoch`. */
export interface StoppedEarly {
  epoch: number;
  bestEpoch: number;
  metric: string;
  best: number;
}

/** With restoreBest: the best epoch's weights evaluated again at the end (its test and validation figures). */
export type RestoredBest = { epoch: number } & Record<string, number>;

/**
 * A classifier's final weights on the test set: matrix[true class][predicted class] counts, and per
 * class the share of its samples predicted right (null for a class the test set lacks).
 */
export interface Confusion {
  matrix: number[][];
  perClassAccuracy: (number | null)[];
}

/** What a finished trial records (checkpoints/<trial id>/result.json) and what a run collects. */
export interface TrialResult {
  id: string;
  status: TrialStatus;
  error?: string;
  stoppedEarly?: StoppedEarly;
  restoredBest?: RestoredBest;
  /** Classification only: of the final weights, on the test set. */
  confusion?: Confusion;
  epochs: EpochRecord[];
}

export interface BackendAttempt {
  name: string;
  error: string;
}

/** The GPU adapter a GPU backend runs on; `driver` is the adapter info's description. */
export interface AdapterFacts {
  vendor: string;
  architecture: string;
  device: string;
  driver: string;
  /** A fallback (software) adapter, e.g. Mesa's lavapipe: a CPU rasterizer. */
  fallback: boolean;
}

/** Where a run ran; carried by runStart so that folding the events needs nothing else. */
export interface RunEnvironment {
  trainyard: string;
  node: string;
  backend: string;
  backendsTried: BackendAttempt[];
  cpu: string;
  platform: string;
  /** On a GPU backend (webgpu): its adapter. */
  adapter?: AdapterFacts;
}

/** A backend a trial ran on from an epoch on (a resume may switch, on purpose). */
export interface TrialBackend {
  name: string;
  fromEpoch: number;
}

/** What a trial's event carries when a queue worker sent it; never part of an epoch record. */
export interface FromQueue {
  /** The worker process that trained the trial ('host:pid', or its --name). */
  worker?: string;
  /** The event's id in the run's Redis stream: the log says how far the coordinator read. */
  streamId?: string;
}

/** A worker that trained a trial from an epoch on (a retry after a worker died moves it). */
export interface TrialWorker {
  name: string;
  fromEpoch: number;
}

export type RunEvent =
  | {
      type: 'runStart';
      time: string;
      experiment: string;
      runDir: string;
      backend: string;
      backendsTried: BackendAttempt[];
      environment?: Omit<RunEnvironment, 'backend' | 'backendsTried'>;
      trials: number;
      workers: number;
      epochs: number;
      stepsPerEpoch: number;
      /** Steps of every trial together (a sweep gives trials their own batch sizes and epochs). */
      totalSteps?: number;
      /** On a resume: trials already finished. */
      resumed?: number;
      /** Trials went to this queue (its URL without user and password); `workers` is then 0. */
      queue?: string;
      /** Rebuilt by resume from metrics.json, for a log that lost it. */
      recovered?: true;
    }
  | ({
      type: 'trialStart';
      time: string;
      trialId: string;
      name: string;
      seed: number;
      /** On a resume: the epoch whose checkpoint the trial continues from (0: from the start); later epochs are dropped. */
      resumedFrom?: number;
      /** The backend the trial runs on. */
      backend?: string;
      /** Written by resume from the trial's checkpoint or result.json, for what the log lacked. */
      recovered?: true;
    } & FromQueue)
  | ({ type: 'step'; time: string; trialId: string; step: number; epoch: number; loss: number; lr: number } & FromQueue)
  | ({ type: 'epochEnd'; time: string; trialId: string; recovered?: true } & FromQueue & EpochRecord)
  | ({
      type: 'trialEnd';
      time: string;
      trialId: string;
      status: TrialStatus;
      reason?: string;
      stoppedEarly?: StoppedEarly;
      restoredBest?: RestoredBest;
      confusion?: Confusion;
      epochs: number;
      recovered?: true;
    } & FromQueue)
  | ({ type: 'trialFailed'; time: string; trialId: string; error: string; /** A queue retries the trial (this attempt failed, not the trial). */ retrying?: true } & FromQueue)
  | { type: 'runEnd'; time: string; status: RunStatus; seconds: number; peakRssMB?: number; error?: string; recovered?: true };

export type RunStatus = 'ok' | 'failed' | 'interrupted';

type DistributiveOmit<T, K extends keyof any> = T extends unknown ? Omit<T, K> : never;
export type RunEventInput = DistributiveOmit<RunEvent, 'time'>;

/** The event with its time: now, unless it carries one (an event a resume rebuilt from the record keeps the record's). */
export const stamp = (event: RunEventInput): RunEvent => ({ ...event, time: (event as { time?: string }).time ?? new Date().toISOString() }) as RunEvent;

/** Reporters only consume events; they never reach into the runner. */
export interface Reporter {
  onEvent(event: RunEvent): void | Promise<void>;
  /** Called once after runEnd (or when the run stops early). */
  close?(): void | Promise<void>;
}

export const METRICS_FORMAT_VERSION = 1;

/** An optimizer spec as a plan holds it: its display name, its type and its params. */
export interface OptimizerRecord {
  name: string;
  type: string;
  [param: string]: unknown;
}

/** A trial as the plan names it. */
export interface PlannedTrial {
  id: string;
  name: string;
  optimizer: OptimizerRecord;
  seed: number;
  /** The sweep point the trial trains at: {<path>: value}. */
  point?: Record<string, unknown>;
}

export interface TrialMetrics extends PlannedTrial {
  status: TrialState;
  error?: string;
  stoppedEarly?: StoppedEarly;
  restoredBest?: RestoredBest;
  confusion?: Confusion;
  /** Only when a resume switched backends. */
  backends?: TrialBackend[];
  /** Only on a queue: the workers that trained it, from which epoch. */
  workers?: TrialWorker[];
  epochs: EpochRecord[];
}

export interface Metrics {
  formatVersion: number;
  experiment: { name: string; description: string; file: string };
  environment: RunEnvironment;
  startedAt: string;
  finishedAt: string | null;
  seconds: number | null;
  status: 'running' | RunStatus;
  /** Why the run stopped, when it failed as a whole (a write that failed, say). */
  error?: string;
  /** Peak resident memory of the whole run (all worker threads). */
  peakRssMB?: number;
  trials: TrialMetrics[];
  /** A study's statistics (src/reporters/study.ts), written at the run's end: groups over seeds, each optimizer's selected point, comparisons. */
  groups?: unknown[];
  selection?: unknown[];
  comparisons?: unknown[];
}

import type { BackendAttempt } from '../registry/kinds.js';

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

export type TrialStatus = 'ok' | 'diverged' | 'failed' | 'interrupted';

/** Early stopping ended the trial at `epoch`; the watched figure was best at `bestEpoch`. */
export interface StoppedEarly {
  epoch: number;
  bestEpoch: number;
  metric: string;
  best: number;
}

/** With restoreBest: the best epoch's weights evaluated again at the end (its test and validation figures). */
export type RestoredBest = { epoch: number } & Record<string, number>;

export interface TrialResult {
  id: string;
  status: TrialStatus;
  error?: string;
  stoppedEarly?: StoppedEarly;
  restoredBest?: RestoredBest;
  epochs: EpochRecord[];
}

export type RunEvent =
  | { type: 'runStart'; time: string; experiment: string; runDir: string; backend: string; backendsTried: BackendAttempt[]; trials: number; workers: number; epochs: number; stepsPerEpoch: number; resumed?: number }
  | { type: 'trialStart'; time: string; trialId: string; name: string; seed: number; resumedFrom?: number }
  | { type: 'step'; time: string; trialId: string; step: number; epoch: number; loss: number; lr: number }
  | ({ type: 'epochEnd'; time: string; trialId: string } & EpochRecord)
  | { type: 'trialEnd'; time: string; trialId: string; status: TrialStatus; reason?: string; stoppedEarly?: StoppedEarly; restoredBest?: RestoredBest; epochs: number }
  | { type: 'trialFailed'; time: string; trialId: string; error: string }
  | { type: 'runEnd'; time: string; status: 'ok' | 'failed' | 'interrupted'; seconds: number; peakRssMB?: number };

type DistributiveOmit<T, K extends keyof any> = T extends unknown ? Omit<T, K> : never;
export type RunEventInput = DistributiveOmit<RunEvent, 'time'>;

/** Reporters only consume events; they never reach into the runner. */
export interface Reporter {
  onEvent(event: RunEvent): void | Promise<void>;
  /** Called once after runEnd (or when the run stops early). */
  close?(): void | Promise<void>;
}

export const stamp = (event: RunEventInput): RunEvent => ({ ...event, time: new Date().toISOString() }) as RunEvent;

// The one fold of a run's events into its metrics: metrics.json is this fold of events.jsonl,
// written as the run goes, and a reader of a killed run folds the log to see what metrics.json
// had not caught up with yet. Pure: no I/O, inputs never changed.
import { METRICS_FORMAT_VERSION, type EpochRecord, type Metrics, type PlannedTrial, type RunEvent, type TrialMetrics } from './types.js';

/** What the fold needs of a plan: the experiment and its trials. */
export interface RunHeader {
  experiment: { name: string; description: string; file: string };
  trials: readonly PlannedTrial[];
}

const UNKNOWN = 'unknown';

/** The metrics of a run before its first event: every trial pending. */
export function initialMetrics(header: RunHeader): Metrics {
  return {
    formatVersion: METRICS_FORMAT_VERSION,
    experiment: header.experiment,
    environment: { trainyard: UNKNOWN, node: UNKNOWN, backend: UNKNOWN, backendsTried: [], cpu: UNKNOWN, platform: UNKNOWN },
    startedAt: '',
    finishedAt: null,
    seconds: null,
    status: 'running',
    trials: header.trials.map((t) => ({ id: t.id, name: t.name, optimizer: t.optimizer, seed: t.seed, ...(t.point ? { point: t.point } : {}), status: 'pending', epochs: [] })),
  };
}

/** The event's epoch record, without the event's own fields. */
export function epochRecordOf(event: Extract<RunEvent, { type: 'epochEnd' }>): EpochRecord {
  const { type: _type, time: _time, trialId: _trialId, recovered: _recovered, worker: _worker, streamId: _streamId, ...record } = event;
  return record;
}

function withTrial(metrics: Metrics, trialId: string, change: (t: TrialMetrics) => TrialMetrics): Metrics {
  const index = metrics.trials.findIndex((t) => t.id === trialId);
  if (index < 0) return metrics; // an event of a trial the plan does not have is no part of the record
  const trials = [...metrics.trials];
  trials[index] = change(trials[index]!);
  return { ...metrics, trials };
}

const currentBackend = (metrics: Metrics, trial: TrialMetrics): string => trial.backends?.at(-1)?.name ?? metrics.environment.backend;

const unfinished = (t: TrialMetrics): boolean => t.status === 'pending' || t.status === 'running';
/** The trials, with those a run left unfinished (never started, or stopped mid-way) interrupted. */
const interruptUnfinished = (trials: TrialMetrics[]): TrialMetrics[] => trials.map((t) => (unfinished(t) ? { ...t, status: 'interrupted' } : t));

/** The metrics after one more event. */
export function applyEvent(metrics: Metrics, event: RunEvent): Metrics {
  switch (event.type) {
    case 'runStart': {
      const first = metrics.startedAt === '';
      const environment = first
        ? { ...metrics.environment, ...event.environment, backend: event.backend, backendsTried: event.backendsTried }
        : metrics.environment;
      return { ...metrics, environment, startedAt: first ? event.time : metrics.startedAt, status: 'running', finishedAt: null };
    }
    case 'trialStart':
      return withTrial(metrics, event.trialId, (trial) => {
        // A trial (re)starts from its checkpoint: the epochs after it are trained again.
        const from = event.resumedFrom ?? 0;
        const { error: _e, stoppedEarly: _s, restoredBest: _r, confusion: _c, ...rest } = trial;
        const next: TrialMetrics = { ...rest, status: 'running', epochs: trial.epochs.filter((e) => e.epoch <= from) };
        if (event.backend !== undefined && event.backend !== currentBackend(metrics, trial)) {
          const before = (trial.backends ?? [{ name: currentBackend(metrics, trial), fromEpoch: 1 }]).filter((b) => b.fromEpoch <= from);
          next.backends = [...before, { name: event.backend, fromEpoch: from + 1 }];
        }
        if (event.worker !== undefined) {
          const before = (trial.workers ?? []).filter((w) => w.fromEpoch <= from);
          next.workers = before.at(-1)?.name === event.worker ? before : [...before, { name: event.worker, fromEpoch: from + 1 }];
        }
        return next;
      });
    case 'epochEnd': {
      const record = epochRecordOf(event);
      return withTrial(metrics, event.trialId, (trial) => ({ ...trial, epochs: [...trial.epochs.filter((e) => e.epoch < record.epoch), record] }));
    }
    case 'trialFailed':
      return withTrial(metrics, event.trialId, (trial) => ({ ...trial, error: event.error }));
    case 'trialEnd':
      return withTrial(metrics, event.trialId, (trial) => {
        const { error, stoppedEarly: _s, restoredBest: _r, confusion: _c, ...rest } = trial;
        const why = event.reason ?? (event.status === 'failed' ? error : undefined);
        return {
          ...rest,
          status: event.status,
          ...(why !== undefined ? { error: why } : {}),
          ...(event.stoppedEarly ? { stoppedEarly: event.stoppedEarly } : {}),
          ...(event.restoredBest ? { restoredBest: event.restoredBest } : {}),
          ...(event.confusion ? { confusion: event.confusion } : {}),
        };
      });
    case 'runEnd': {
      const { error: _error, ...rest } = metrics;
      return {
        ...rest,
        status: event.status,
        finishedAt: event.time,
        // Each part of a resumed run adds its own time.
        seconds: (metrics.seconds ?? 0) + event.seconds,
        ...(event.peakRssMB !== undefined ? { peakRssMB: Math.max(metrics.peakRssMB ?? 0, Math.round(event.peakRssMB)) } : {}),
        ...(event.error !== undefined ? { error: event.error } : {}),
        trials: interruptUnfinished(metrics.trials),
      };
    }
    case 'step':
      return metrics;
  }
}

export function foldEvents(header: RunHeader, events: readonly RunEvent[], from: Metrics = initialMetrics(header)): Metrics {
  return events.reduce(applyEvent, from);
}

/**
 * A run nobody is writing any more, as it stands: one still 'running' was killed, so it and its
 * unfinished trials are interrupted.
 */
export function settle(metrics: Metrics): Metrics {
  if (metrics.status !== 'running' && !metrics.trials.some(unfinished)) return metrics;
  return { ...metrics, status: metrics.status === 'running' ? 'interrupted' : metrics.status, trials: interruptUnfinished(metrics.trials) };
}

import { appendFile } from 'node:fs/promises';
import { cpus, platform, release, arch } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import type { Plan } from '../config/plan.js';
import type { EpochRecord, Reporter, RestoredBest, RunEvent, StoppedEarly, TrialStatus } from '../runner/events.js';
import type { BackendAttempt } from '../registry/kinds.js';
import { writeJsonAtomic } from '../util/atomic.js';

export const METRICS_FORMAT_VERSION = 1;

export interface TrialMetrics {
  id: string;
  name: string;
  optimizer: Plan['trials'][number]['optimizer'];
  seed: number;
  status: TrialStatus;
  error?: string;
  stoppedEarly?: StoppedEarly;
  restoredBest?: RestoredBest;
  epochs: EpochRecord[];
}

export interface Metrics {
  formatVersion: number;
  experiment: { name: string; description: string; file: string };
  environment: { trainyard: string; node: string; backend: string; backendsTried: BackendAttempt[]; cpu: string; platform: string };
  startedAt: string;
  finishedAt: string | null;
  seconds: number | null;
  status: 'running' | 'ok' | 'failed' | 'interrupted';
  /** Peak resident memory of the whole run (all worker threads). */
  peakRssMB?: number;
  trials: TrialMetrics[];
}

export const trainyardVersion = (): string => (createRequire(import.meta.url)('../../../package.json') as { version: string }).version;

/**
 * Writes the run directory's records: plan.json at the start, every event appended to
 * events.jsonl, and metrics.json (atomically) after each trial and at the end.
 */
export class JsonReporter implements Reporter {
  private metrics: Metrics | undefined;

  constructor(
    private readonly runDir: string,
    private readonly plan: Plan,
  ) {}

  /** Writes plan.json; call before the run starts. */
  async start(): Promise<void> {
    await writeJsonAtomic(join(this.runDir, 'plan.json'), this.plan);
  }

  /** Takes in the events of the run so far (on resume), without appending them again. */
  replay(events: RunEvent[]): void {
    for (const event of events) this.apply(event);
  }

  async onEvent(event: RunEvent): Promise<void> {
    await appendFile(join(this.runDir, 'events.jsonl'), `${JSON.stringify(event)}\n`);
    this.apply(event);
    if (event.type === 'runStart' || event.type === 'trialEnd' || event.type === 'runEnd') await this.write();
  }

  private apply(event: RunEvent): void {
    const trial = 'trialId' in event ? this.metrics?.trials.find((t) => t.id === event.trialId) : undefined;
    switch (event.type) {
      case 'runStart': {
        const cpuList = cpus();
        const environment = {
          trainyard: trainyardVersion(),
          node: process.version,
          backend: event.backend,
          backendsTried: event.backendsTried,
          cpu: `${cpuList[0]?.model ?? 'unknown'} x ${cpuList.length}`,
          platform: `${platform()} ${release()} ${arch()}`,
        };
        // A resumed run keeps what its earlier part recorded.
        this.metrics = {
          formatVersion: METRICS_FORMAT_VERSION,
          experiment: this.plan.experiment,
          environment,
          startedAt: this.metrics?.startedAt ?? event.time,
          finishedAt: null,
          seconds: null,
          status: 'running',
          trials: this.metrics?.trials ?? this.plan.trials.map((t) => ({ id: t.id, name: t.name, optimizer: t.optimizer, seed: t.seed, status: 'ok', epochs: [] })),
        };
        break;
      }
      case 'trialStart':
        // Epochs after the checkpoint a trial resumes from are run again.
        if (trial && event.resumedFrom !== undefined) trial.epochs = trial.epochs.slice(0, event.resumedFrom);
        if (trial) delete trial.error;
        break;
      case 'epochEnd': {
        const { type: _t, time: _time, trialId: _id, ...record } = event;
        trial?.epochs.push(record);
        break;
      }
      case 'trialFailed':
        if (trial) trial.error = event.error;
        break;
      case 'trialEnd':
        if (trial) {
          trial.status = event.status;
          if (event.reason) trial.error = event.reason;
          if (event.stoppedEarly) trial.stoppedEarly = event.stoppedEarly;
          if (event.restoredBest) trial.restoredBest = event.restoredBest;
        }
        break;
      case 'runEnd':
        if (this.metrics) {
          this.metrics.status = event.status;
          this.metrics.finishedAt = event.time;
          this.metrics.seconds = event.seconds;
          if (event.peakRssMB !== undefined) this.metrics.peakRssMB = Math.round(event.peakRssMB);
        }
        break;
    }
  }

  private async write(): Promise<void> {
    if (this.metrics) await writeJsonAtomic(join(this.runDir, 'metrics.json'), this.metrics);
  }
}

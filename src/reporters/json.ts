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

  async onEvent(event: RunEvent): Promise<void> {
    await appendFile(join(this.runDir, 'events.jsonl'), `${JSON.stringify(event)}\n`);
    const trial = 'trialId' in event ? this.metrics?.trials.find((t) => t.id === event.trialId) : undefined;
    switch (event.type) {
      case 'runStart': {
        const cpuList = cpus();
        this.metrics = {
          formatVersion: METRICS_FORMAT_VERSION,
          experiment: this.plan.experiment,
          environment: {
            trainyard: trainyardVersion(),
            node: process.version,
            backend: event.backend,
            backendsTried: event.backendsTried,
            cpu: `${cpuList[0]?.model ?? 'unknown'} x ${cpuList.length}`,
            platform: `${platform()} ${release()} ${arch()}`,
          },
          startedAt: event.time,
          finishedAt: null,
          seconds: null,
          status: 'running',
          trials: this.plan.trials.map((t) => ({ id: t.id, name: t.name, optimizer: t.optimizer, seed: t.seed, status: 'ok', epochs: [] })),
        };
        await this.write();
        break;
      }
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
        await this.write();
        break;
      case 'runEnd':
        if (this.metrics) {
          this.metrics.status = event.status;
          this.metrics.finishedAt = event.time;
          this.metrics.seconds = event.seconds;
          if (event.peakRssMB !== undefined) this.metrics.peakRssMB = Math.round(event.peakRssMB);
        }
        await this.write();
        break;
    }
  }

  private async write(): Promise<void> {
    if (this.metrics) await writeJsonAtomic(join(this.runDir, 'metrics.json'), this.metrics);
  }
}

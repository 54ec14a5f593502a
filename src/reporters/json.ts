import { appendFileSync, renameSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { appendEventLine, EVENTS_FILE } from '../run-log/events-file.js';
import { applyEvent, foldEvents, initialMetrics, type RunHeader } from '../run-log/fold.js';
import { stamp, type Metrics, type Reporter, type RunEvent } from '../run-log/types.js';
import { writeJsonAtomic } from '../util/atomic.js';
import { machineEnvironment } from '../util/environment.js';
import { failpoint } from '../util/failpoint.js';
import { withStatistics } from './study.js';

export const METRICS_FILE = 'metrics.json';

/**
 * Keeps the run directory's records: every event appended to events.jsonl, and metrics.json (the
 * fold of those events, written atomically) at the run's start, after each trial and at the end.
 * A failed write is thrown: the run cannot go on without its records.
 */
export class JsonReporter implements Reporter {
  private metrics: Metrics;

  constructor(
    private readonly runDir: string,
    private readonly header: RunHeader & { config?: unknown },
    /** On a resume: the events already in the log. */
    earlier: readonly RunEvent[] = [],
  ) {
    this.metrics = foldEvents(header, earlier, initialMetrics(header));
  }

  get current(): Metrics {
    return this.metrics;
  }

  /** An append failed (a full disk): it may have left part of a line, which the next line must not join. */
  private torn = false;

  async onEvent(input: RunEvent): Promise<void> {
    // The log must fold to metrics.json alone: a runStart says where it ran.
    const event: RunEvent = input.type === 'runStart' && !input.environment ? { ...input, environment: machineEnvironment() } : input;
    failpoint(`append:${event.type}`);
    try {
      await appendEventLine(this.runDir, event, this.torn);
    } catch (error) {
      this.torn = true;
      throw error;
    }
    this.torn = false;
    failpoint(`appended:${event.type}`);
    this.metrics = applyEvent(this.metrics, event);
    // The study's statistics once all of it is in (bootstrapping every group after every trial would cost more than it shows).
    if (event.type === 'runEnd') this.metrics = withStatistics(this.metrics, this.header.config);
    if (event.type === 'runStart' || event.type === 'trialEnd' || event.type === 'runEnd') await this.write();
  }

  write(): Promise<void> {
    return writeJsonAtomic(join(this.runDir, METRICS_FILE), this.metrics);
  }

  /**
   * Ends the run as failed right now, synchronously: for a process about to die of an error that
   * nobody caught. Best effort: a disk that refuses leaves the run as a kill would.
   */
  abortSync(error: string, seconds: number): void {
    const event = stamp({ type: 'runEnd', status: 'failed', seconds, peakRssMB: process.resourceUsage().maxRSS / 1024, error });
    try {
      appendFileSync(join(this.runDir, EVENTS_FILE), `${this.torn ? '\n' : ''}${JSON.stringify(event)}\n`);
      this.metrics = applyEvent(this.metrics, event);
      const temp = join(this.runDir, `.${METRICS_FILE}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
      writeFileSync(temp, `${JSON.stringify(this.metrics, null, 2)}\n`);
      renameSync(temp, join(this.runDir, METRICS_FILE));
    } catch {
      // resume rebuilds what could not be written
    }
  }
}

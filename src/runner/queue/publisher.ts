// A worker's side of a run's event stream: every event of a trial, in order, appended to the
// run's Redis stream with the worker's name. Appends are queued on one connection (in order) and
// awaited before a job is reported finished, so the coordinator reads a trial's events before the
// queue says the trial is done.
import type { Redis } from 'ioredis';
import type { RunEventInput } from '../../run-log/types.js';
import { eventsKey } from './keys.js';

export class EventPublisher {
  private chain: Promise<void> = Promise.resolve();
  private failure: Error | undefined;

  constructor(
    private readonly client: Redis,
    private readonly runKey: string,
    private readonly worker: string,
  ) {}

  send(event: RunEventInput): void {
    const line = JSON.stringify({ ...event, worker: this.worker });
    this.chain = this.chain.then(async () => {
      if (this.failure) return;
      try {
        await this.client.xadd(eventsKey(this.runKey), '*', 'e', line);
      } catch (error) {
        this.failure = error as Error;
      }
    });
  }

  /** Resolves once every event sent so far is in the stream; throws when one could not be appended. */
  async flush(): Promise<void> {
    await this.chain;
    if (this.failure) throw new Error(`the trial's events could not be sent to the queue: ${this.failure.message}`);
  }
}

import { stamp, type Reporter, type RunEvent, type RunEventInput } from '../run-log/types.js';

/**
 * Hands events to the reporters one at a time and in order, even when they write files. The
 * records reporter (events.jsonl, metrics.json) is what a run cannot do without: when it fails
 * (a full disk, say) the bus remembers why and `onFailure` stops the run; the other reporters only
 * show things, so their failures are kept and never stop anything.
 */
export class EventBus {
  private chain: Promise<void> = Promise.resolve();
  /** Why the records could not be written; once set, they get no further events. */
  failure: Error | undefined;
  /** The first failure of each other reporter. */
  readonly warnings = new Map<Reporter, Error>();

  constructor(
    private readonly records: Reporter | undefined,
    private readonly others: readonly Reporter[],
    private readonly onFailure: (error: Error) => void,
  ) {}

  /** Queues the event; the promise settles once every reporter has taken it (it never rejects). */
  emit(input: RunEventInput): Promise<void> {
    const event: RunEvent = stamp(input);
    this.chain = this.chain.then(async () => {
      if (this.records && !this.failure) {
        try {
          await this.records.onEvent(event);
        } catch (error) {
          this.failure = error as Error;
          this.onFailure(this.failure);
        }
      }
      for (const reporter of this.others) {
        if (this.warnings.has(reporter)) continue;
        try {
          await reporter.onEvent(event);
        } catch (error) {
          this.warnings.set(reporter, error as Error);
        }
      }
    });
    return this.chain;
  }

  /**
   * After the records failed: tries once more to give them this event (the run's end, so that the
   * record says how it ended if the disk has room again); false when that fails too.
   */
  async retryRecords(input: RunEventInput): Promise<boolean> {
    await this.chain;
    try {
      await this.records?.onEvent(stamp(input));
      return true;
    } catch {
      return false;
    }
  }

  /** Resolves once every event queued so far has been handed to every reporter. */
  flush(): Promise<void> {
    return this.chain;
  }

  /** Waits for every queued event, then closes the reporters. */
  async close(): Promise<void> {
    await this.chain;
    for (const reporter of [...(this.records ? [this.records] : []), ...this.others]) {
      try {
        await reporter.close?.();
      } catch (error) {
        if (reporter !== this.records) this.warnings.set(reporter, error as Error);
        else this.failure ??= error as Error;
      }
    }
  }
}

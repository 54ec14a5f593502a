// The coordinator's executor: one BullMQ job per trial, then it follows the run's event stream
// (the workers' events, in order) and BullMQ's own events (a trial the queue gave up on), writing
// each event once: the stream id in the log says how far it read, so a coordinator stopped and
// resumed reads on from there, and events it already has (rebuilt from the record) are dropped.
// A finished trial's result and final weights are copied into the run directory, which ends up
// as a local run's. Redis lost for longer than lostMs ends the run, resumable (failure()).
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Trial } from '../../config/plan.js';
import { applyEvent, initialMetrics, type RunHeader } from '../../run-log/fold.js';
import { stamp, type Metrics, type RunEvent, type RunEventInput, type TrialResult } from '../../run-log/types.js';
import { isStopped, type Executor, type TrialRunContext } from '../executor.js';
import { DirectoryStore, openStore, type StoreSpec, type TrialStore } from '../store.js';
import { LinkWatch, linkProblem } from './connection.js';
import { JOB_FORMAT, type RunSpec, type TrialJob } from './job.js';
import { eventsKey, jobIdOf, QUEUE_NAME, QUEUE_PREFIX, runKeyOfJob } from './keys.js';
import { RedisStore } from './redis-store.js';
import { openRedisStore } from './open-redis-store.js';
import type { QueueSettings } from './settings.js';
import type { QueueAddress } from './url.js';

export interface QueueRunOptions {
  address: QueueAddress;
  runKey: string;
  runDir: string;
  header: RunHeader;
  /** Where the workers keep their records, as this machine reaches it. */
  store: StoreSpec;
  /** The run's part of every job (its backend is the one this run loaded). */
  spec: Omit<RunSpec, 'backend'>;
  settings: QueueSettings;
  /** On a resume: the fold of the log so far (with what was recovered) and how far it read the stream. */
  logged?: { metrics: Metrics; cursor: string };
  /** Tells the user about the queue (Redis lost and back). */
  say(line: string): void;
}

const BATCH = 500;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const STALLED = 'job stalled more than allowable limit';
const STALLED_REASON = 'its workers stopped answering too many times (killed, out of memory or cut off): the queue gave the trial up';

/** Stream entries as [id, fields]; fields as an object. */
const fieldsOf = (fields: string[]): Record<string, string> => Object.fromEntries(Array.from({ length: fields.length / 2 }, (_, i) => [fields[2 * i], fields[2 * i + 1]]));

export class QueueExecutor implements Executor {
  private lost: string | undefined;

  constructor(
    private readonly options: QueueRunOptions,
    private readonly clients: { commands: Redis; reader: Redis },
  ) {}

  failure(): string | undefined {
    return this.lost;
  }

  async run(trials: readonly Trial[], context: TrialRunContext, emit: (event: RunEventInput) => void): Promise<TrialResult[]> {
    const { options } = this;
    const { commands, reader } = this.clients;
    const queue = new Queue(QUEUE_NAME, { connection: commands, prefix: QUEUE_PREFIX });
    queue.on('error', () => undefined);
    const store = options.store.kind === 'redis' ? openRedisStore(options.store) : openStore(options.store);
    const runStore = new DirectoryStore(options.runDir);
    const watch = new LinkWatch([commands, reader]);
    const follow = new Following(options, trials, store, runStore, emit);
    const bullEvents = `${QUEUE_PREFIX}:${QUEUE_NAME}:events`;
    const ownEvents = eventsKey(options.runKey);
    let cursor = options.logged?.cursor ?? '0-0';
    let troubleSince: number | undefined;
    let told = false;
    try {
      // BullMQ's events from before the jobs exist on: a trial it gives up on is seen, whenever.
      let bullCursor = (await reader.xrevrange(bullEvents, '+', '-', 'COUNT', 1))[0]?.[0] ?? '0-0';
      await this.enqueue(queue, trials, context, store, runStore);
      let held: Record<string, string>[] = [];
      let nextCheck = Date.now() + this.checkEvery();
      let suspects = new Set<string>();
      while (!follow.done() && !isStopped(context.stopFlag)) {
        try {
          const reply = (await reader.xread('COUNT', BATCH, 'BLOCK', 1000, 'STREAMS', ownEvents, bullEvents, cursor, bullCursor)) as [string, [string, string[]][]][] | null;
          let own = 0;
          for (const [key, entries] of reply ?? []) {
            if (key === ownEvents) {
              own = entries.length;
              for (const [id, fields] of entries) {
                await follow.take({ ...(JSON.parse(fieldsOf(fields).e ?? '{}') as RunEventInput), streamId: id } as RunEventInput);
                cursor = id;
              }
            } else {
              for (const [id, fields] of entries) {
                const e = fieldsOf(fields);
                if (e.event === 'failed' && e.jobId && runKeyOfJob(e.jobId) === options.runKey) held.push(e);
                bullCursor = id;
              }
            }
          }
          // A trial the queue gave up on, once every event its workers sent before is read.
          if (own < BATCH) {
            for (const e of held) follow.gaveUp(e.jobId!, e.failedReason === STALLED ? STALLED_REASON : (e.failedReason ?? 'the queue failed it'));
            held = [];
          }
          if (Date.now() >= nextCheck) {
            suspects = await this.requeueVanished(queue, follow, suspects, context);
            nextCheck = Date.now() + this.checkEvery();
          }
          if (told) options.say(`trainyard: the queue at ${options.address.shown} is back`);
          troubleSince = undefined;
          told = false;
        } catch (error) {
          troubleSince ??= Date.now();
          const waited = Math.max(Date.now() - troubleSince, watch.lostFor());
          if (waited >= options.settings.lostMs) {
            this.lost = `lost the queue at ${options.address.shown} for ${Math.round(waited / 1000)} s (${linkProblem(error, options.address)}): the run stopped; the workers keep what they stored`;
            break;
          }
          if (!told) options.say(`trainyard: the queue at ${options.address.shown} does not answer (${linkProblem(error, options.address)}); waiting up to ${options.settings.lostMs / 1000} s`);
          told = true;
          await sleep(250);
        }
      }
      // A run whose every trial ended needs its stream no more (a resume of it trains nothing).
      if (follow.done()) await commands.del(ownEvents).catch(() => undefined);
    } catch (error) {
      this.lost = `the queue at ${options.address.shown} failed (${linkProblem(error, options.address)}): the run stopped`;
    } finally {
      await queue.close().catch(() => undefined);
      await store.close?.().catch(() => undefined);
      commands.disconnect();
      reader.disconnect();
    }
    return follow.results();
  }

  private checkEvery(): number {
    return Math.max(5000, this.options.settings.stallMs);
  }

  private jobOf(trial: Trial, context: TrialRunContext, resume: boolean): { name: string; data: TrialJob; opts: Record<string, unknown> } {
    return {
      name: trial.id,
      data: { format: JOB_FORMAT, runKey: this.options.runKey, run: { ...this.options.spec, backend: context.backend }, trial, resume },
      opts: {
        jobId: jobIdOf(this.options.runKey, trial.id),
        attempts: this.options.settings.attempts,
        backoff: { type: 'fixed', delay: 1000 },
        // Kept a day, for `trainyard queue status`; a job id is never reused meanwhile.
        removeOnComplete: { age: 24 * 3600 },
        removeOnFail: { age: 7 * 24 * 3600 },
      },
    };
  }

  /** One job per trial; on a resume, a job the queue failed for good goes (it is tried again), a live one stays. */
  private async enqueue(queue: Queue, trials: readonly Trial[], context: TrialRunContext, store: TrialStore, runStore: DirectoryStore): Promise<void> {
    if (context.resume) {
      for (const trial of trials) {
        // A trial trained again (a failed one, one whose record was lost, a finished one trained on with
        // --epochs) needs its job id free: the queue ignores a job whose id it still keeps.
        const job = await queue.getJob(jobIdOf(this.options.runKey, trial.id));
        if (job && ((await job.isFailed()) || (await job.isCompleted()))) await job.remove();
        // Redis forgets a finished trial's records once the run directory has them: its last checkpoint goes back for the worker.
        if (store instanceof RedisStore && !(await store.loadCheckpoint(trial.id))) {
          const checkpoint = await runStore.loadCheckpoint(trial.id);
          if (checkpoint) await store.saveCheckpoint(trial.id, checkpoint);
        }
      }
    }
    for (let i = 0; i < trials.length; i += 100) await queue.addBulk(trials.slice(i, i + 100).map((t) => this.jobOf(t, context, context.resume)));
  }

  /**
   * Trials whose job is gone (a Redis that restarted empty) are enqueued again, to continue from
   * their checkpoints: only when missing at two checks in a row, since a job that completes goes
   * a moment after its last event, which the stream delivers in between.
   */
  private async requeueVanished(queue: Queue, follow: Following, suspects: Set<string>, context: TrialRunContext): Promise<Set<string>> {
    // One EXISTS per job, pipelined: a job's data (its run spec) is not read for this.
    const unfinished = follow.unfinished();
    const pipeline = this.clients.commands.pipeline();
    for (const trial of unfinished) pipeline.exists(`${QUEUE_PREFIX}:${QUEUE_NAME}:${jobIdOf(this.options.runKey, trial.id)}`);
    const exists = ((await pipeline.exec()) ?? []).map(([error, n]) => {
      if (error) throw error;
      return n === 1;
    });
    const missing = new Set(unfinished.filter((_, i) => !exists[i]).map((t) => t.id));
    const again = follow.unfinished().filter((t) => missing.has(t.id) && suspects.has(t.id));
    if (again.length > 0) {
      this.options.say(`trainyard: ${again.length} trial${again.length === 1 ? '' : 's'} of this run vanished from the queue (Redis restarted?): enqueued again, to continue from their checkpoints`);
      await queue.addBulk(again.map((t) => this.jobOf(t, context, true)));
    }
    return new Set([...missing].filter((id) => !again.some((t) => t.id === id)));
  }
}

/** What the coordinator knows of its trials: the fold of what it wrote, and the results it has. */
class Following {
  private metrics: Metrics;
  private readonly wanted: Map<string, Trial>;
  private readonly finished = new Map<string, TrialResult>();
  private readonly errors = new Map<string, string>();

  constructor(
    options: QueueRunOptions,
    private readonly trials: readonly Trial[],
    private readonly store: TrialStore,
    private readonly runStore: DirectoryStore,
    private readonly emit: (event: RunEventInput) => void,
  ) {
    this.metrics = options.logged?.metrics ?? initialMetrics(options.header);
    this.wanted = new Map(trials.map((t) => [t.id, t]));
  }

  done(): boolean {
    return this.finished.size === this.wanted.size;
  }

  unfinished(): Trial[] {
    return this.trials.filter((t) => !this.finished.has(t.id));
  }

  results(): TrialResult[] {
    return this.trials.flatMap((t) => this.finished.get(t.id) ?? []);
  }

  private write(event: RunEventInput): void {
    this.metrics = applyEvent(this.metrics, stamp(event) as RunEvent);
    this.emit(event);
  }

  private epochsOf(trialId: string) {
    return this.metrics.trials.find((t) => t.id === trialId)?.epochs ?? [];
  }

  /** One event from the stream: written unless it is not this run's to write, or already written. */
  async take(event: RunEventInput): Promise<void> {
    if (!('trialId' in event) || !this.wanted.has(event.trialId) || this.finished.has(event.trialId)) return;
    const id = event.trialId;
    if (event.type === 'epochEnd' && this.epochsOf(id).some((e) => e.epoch === event.epoch)) return;
    if (event.type === 'trialFailed') this.errors.set(id, event.error);
    if (event.type === 'trialStart' && event.resumedFrom) return this.resumed(event, event.resumedFrom);
    if (event.type !== 'trialEnd') return this.write(event);
    if (event.status === 'ok' || event.status === 'diverged') {
      const result = await this.store.loadResult(id);
      if (!result) return this.fail(id, 'its worker reported it finished, but its result is not in the store (was the store cleared?)');
      // Into the run directory before the log says it is finished, as a local run's trial.
      const weights = await this.store.loadFinalWeights(id);
      if (weights) await this.runStore.saveFinalWeights(weights.meta, [...weights.tensors.values()], weights.torch);
      // Its last epoch's checkpoint too, as a local run keeps it (`--resume --epochs N` trains on from it).
      const checkpoint = result.status === 'ok' && !result.stoppedEarly ? await this.store.loadCheckpoint(id) : undefined;
      if (checkpoint) await this.runStore.saveCheckpoint(id, checkpoint);
      await this.runStore.saveResult(result);
      this.write(event);
      this.finished.set(id, result);
      // Redis is memory: a trial's records there go once the run directory has them.
      if (this.store instanceof RedisStore) await this.store.forget(id);
      return;
    }
    this.write(event);
    this.finished.set(id, { id, status: 'failed', error: this.errors.get(id) ?? 'failed on its worker', epochs: this.epochsOf(id) });
  }

  /**
   * A trial continues from its checkpoint of epoch `from`, on another worker maybe: the epochs up to
   * it that the log lacks (its last worker was killed between a checkpoint and its event) come from
   * that checkpoint, as a local resume recovers them.
   */
  private async resumed(event: RunEventInput, from: number): Promise<void> {
    this.write(event);
    const id = (event as { trialId: string }).trialId;
    const logged = new Set(this.epochsOf(id).map((e) => e.epoch));
    if (Array.from({ length: from }, (_, i) => i + 1).every((n) => logged.has(n))) return;
    const checkpoint = await this.store.loadCheckpoint(id);
    for (const record of checkpoint?.epochs ?? []) {
      if (record.epoch <= from && !logged.has(record.epoch)) this.write({ type: 'epochEnd', trialId: id, recovered: true, ...record });
    }
  }

  /** The queue failed a trial's job for good (attempts spent, or stalled too often). */
  gaveUp(jobId: string, reason: string): void {
    const trial = this.trials.find((t) => jobIdOf(runKeyOfJob(jobId), t.id) === jobId);
    if (!trial || this.finished.has(trial.id)) return;
    const last = this.errors.get(trial.id);
    this.fail(trial.id, reason === STALLED_REASON || !last ? reason : last);
  }

  private fail(id: string, error: string): void {
    const trial = this.wanted.get(id)!;
    if (this.metrics.trials.find((t) => t.id === id)?.status === 'pending') this.write({ type: 'trialStart', trialId: id, name: trial.name, seed: trial.seed });
    this.write({ type: 'trialFailed', trialId: id, error });
    this.write({ type: 'trialEnd', trialId: id, status: 'failed', epochs: this.epochsOf(id).length });
    this.finished.set(id, { id, status: 'failed', error, epochs: this.epochsOf(id) });
  }
}

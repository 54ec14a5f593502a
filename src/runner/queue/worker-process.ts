// `trainyard worker`: takes trials from the queue, checks each job like a config, finds the data
// itself (checking its fingerprint against the run's), trains the trial in a worker thread (the
// same runTrial as a local run; the thread keeps this thread free to renew the job's lock) and
// streams its events back. A trial that fails is retried up to the run's attempts; one this worker
// cannot train at all (a module it lacks, other data) fails at once with the reason.
import { hostname } from 'node:os';
import { dirname, join } from 'node:path';
import { UnrecoverableError, WaitingError, Worker as BullWorker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Registries } from '../../registry/index.js';
import type { LoadedData } from '../../registry/kinds.js';
import type { RunEventInput } from '../../run-log/types.js';
import { loadExperimentData } from '../data.js';
import { dataFingerprint } from '../fingerprint.js';
import { newStopFlag, requestStop, type TrialRunContext } from '../executor.js';
import { openStore, type StoreSpec, type TrialStore } from '../store.js';
import { connectOrFail, redisClient } from './connection.js';
import { checkJob, isRunKey, JobRejected, type CheckedJob, type TrialJob, type WorkerModule } from './job.js';
import { QUEUE_NAME, QUEUE_PREFIX } from './keys.js';
import { EventPublisher } from './publisher.js';
import { TrialThreads } from './trial-threads.js';
import type { QueueSettings } from './settings.js';
import { redact, type QueueAddress } from './url.js';

export interface QueueWorkerOptions {
  address: QueueAddress;
  /** The queue URL as given (with its password: it stays in memory). */
  url: string;
  concurrency: number;
  /** A directory every machine mounts, for runs that keep their records there. */
  storeDir?: string;
  /** Train on this backend instead of the run's (recorded per trial). */
  backend?: string;
  /** Where paths relative to an experiment resolve (default: the coordinator's experiment directory). */
  dataRoot?: string;
  registries: Registries;
  modules: WorkerModule[];
  name?: string;
  settings: QueueSettings;
  log(line: string): void;
}

const sizes = (s: Record<string, number | undefined>) => Object.entries(s).map(([k, v]) => `${k} ${v}`).join(', ');

export class QueueWorker {
  readonly name: string;
  private readonly stops = new Set<Int32Array>();
  private readonly data = new Map<string, Promise<LoadedData>>();
  private readonly stores = new Map<string, TrialStore>();
  private bull!: BullWorker;
  private readonly threads: TrialThreads;

  private constructor(
    private readonly options: QueueWorkerOptions,
    private readonly client: Redis,
  ) {
    this.name = options.name ?? `${hostname()}:${process.pid}`;
    this.threads = new TrialThreads(options.modules.map((m) => m.path));
  }

  /** Connects (a Redis it cannot reach is a UserError within the connect limit) and starts taking trials. */
  static async start(options: QueueWorkerOptions): Promise<QueueWorker> {
    const client = redisClient(options.address, 'blocking');
    await connectOrFail(client, options.address, options.settings.connectMs);
    const worker = new QueueWorker(options, client);
    const connection = redisClient(options.address, 'blocking');
    await connectOrFail(connection, options.address, options.settings.connectMs);
    const { stallMs, maxStalls } = options.settings;
    worker.bull = new BullWorker(QUEUE_NAME, (job, token) => worker.process(job, token), {
      connection,
      prefix: QUEUE_PREFIX,
      name: worker.name,
      concurrency: options.concurrency,
      lockDuration: stallMs,
      stalledInterval: stallMs,
      maxStalledCount: maxStalls,
    });
    let lastProblem = '';
    worker.bull.on('error', (error) => {
      const problem = redact(error.message, options.address);
      if (problem !== lastProblem) options.log(`worker ${worker.name}: ${problem}`);
      lastProblem = problem;
    });
    return worker;
  }

  /** Stops every trial at its next step (their checkpoints stay), hands their jobs back to the queue, disconnects. */
  async stop(): Promise<void> {
    for (const flag of this.stops) requestStop(flag);
    await this.bull.close();
    await this.threads.close();
    for (const store of this.stores.values()) await store.close?.();
    this.client.disconnect();
  }

  private storeOf(checked: CheckedJob): StoreSpec {
    if (checked.run.store === 'redis') return { kind: 'redis', url: this.options.url, runKey: checked.runKey };
    if (!this.options.storeDir) throw new JobRejected('its run keeps checkpoints and results in a directory every machine mounts: start the worker with --store DIR (that directory, as this machine mounts it)');
    return { kind: 'directory', dir: join(this.options.storeDir, ...checked.runKey.split('/')) };
  }

  private openedStore(spec: StoreSpec): TrialStore {
    const key = spec.kind === 'redis' ? `redis:${spec.runKey}` : spec.dir;
    let store = this.stores.get(key);
    if (!store) this.stores.set(key, (store = openStore(spec)));
    return store;
  }

  /** The run's data as this worker finds it, loaded once per dataset; other data than the run's is refused. */
  private async dataFor(checked: CheckedJob): Promise<LoadedData> {
    const { config, data: facts } = checked.run;
    const baseDir = this.options.dataRoot ?? dirname(checked.run.experiment.file);
    const key = JSON.stringify([config.dataset, baseDir]);
    let loading = this.data.get(key);
    if (!loading) {
      loading = loadExperimentData(config, this.options.registries, baseDir);
      this.data.clear(); // one dataset at a time: a worker moving on to another run lets the last go
      this.data.set(key, loading);
      loading.catch(() => this.data.delete(key));
    }
    let data: LoadedData;
    try {
      data = await loading;
    } catch (error) {
      throw new JobRejected(`its data cannot be loaded on this worker (relative paths resolve under ${baseDir}${this.options.dataRoot ? '' : '; --data-root DIR moves them'}): ${(error as Error).message}`);
    }
    const found = dataFingerprint(data);
    if (found.sha256 !== facts.fingerprint.sha256) {
      throw new JobRejected(
        `the data on this worker is not the run's (here ${sizes(found.sizes)} samples, sha256 ${found.sha256.slice(0, 12)}…; the run's ${sizes(facts.fingerprint.sizes)} samples, sha256 ${facts.fingerprint.sha256.slice(0, 12)}…): ` +
          `every trial of a run trains on the same data; give this worker the same files (relative paths resolve under ${baseDir}; --data-root DIR)`,
      );
    }
    return data;
  }

  /** A trial this worker cannot train: its failure goes to the run's stream, and the job fails without a retry. */
  private async reject(job: Job, message: string): Promise<never> {
    const data = job.data as Partial<TrialJob>;
    const trialId = typeof data.trial?.id === 'string' ? data.trial.id : undefined;
    if (trialId && isRunKey(data.runKey)) {
      const publisher = new EventPublisher(this.client, data.runKey, this.name);
      publisher.send({ type: 'trialFailed', trialId, error: `worker ${this.name}: ${message}` });
      publisher.send({ type: 'trialEnd', trialId, status: 'failed', epochs: 0 });
      await publisher.flush().catch(() => undefined);
    }
    this.options.log(`worker ${this.name}: job ${job.id}: refused: ${message}`);
    throw new UnrecoverableError(message);
  }

  private async process(job: Job, token?: string): Promise<{ status: string; epochs: number }> {
    let checked: CheckedJob;
    let context: TrialRunContext;
    try {
      checked = checkJob(job.data, this.options.registries, this.options.modules);
      const store = this.storeOf(checked);
      const data = await this.dataFor(checked);
      const hasCheckpoint = (await this.openedStore(store).loadCheckpoint(checked.trial.id)) !== undefined;
      const backend = this.options.backend ?? checked.run.backend;
      context = { plan: checked.plan, backend, data, store, resume: checked.resume || hasCheckpoint, stopFlag: newStopFlag() };
    } catch (error) {
      if (error instanceof JobRejected) return this.reject(job, error.message);
      throw error;
    }
    const { trial } = checked;
    const attempt = job.attemptsMade + 1;
    const final = attempt >= (job.opts.attempts ?? 1);
    const publisher = new EventPublisher(this.client, checked.runKey, this.name);
    // An attempt that fails but is retried is not the trial's end: its failure is reported as such.
    const emit = (event: RunEventInput) => {
      if (event.type === 'trialFailed' && !final) publisher.send({ ...event, retrying: true });
      else if (event.type === 'trialEnd' && (event.status === 'interrupted' || (event.status === 'failed' && !final))) return;
      else publisher.send(event);
    };
    this.options.log(`worker ${this.name}: ${checked.runKey} ${trial.id}: ${context.resume ? 'continues' : 'starts'} (attempt ${attempt}, on ${context.backend})`);
    this.stops.add(context.stopFlag);
    let result;
    try {
      result = await this.threads.run(context, trial, emit);
    } finally {
      this.stops.delete(context.stopFlag);
    }
    await publisher.flush();
    if (result.status === 'interrupted') {
      // Stopped (Ctrl-C, SIGTERM): the trial goes back to the queue as it is, no attempt spent.
      this.options.log(`worker ${this.name}: ${checked.runKey} ${trial.id}: stopped; back to the queue from its last checkpoint`);
      await job.moveToWait(token);
      throw new WaitingError();
    }
    this.options.log(`worker ${this.name}: ${checked.runKey} ${trial.id}: ${result.status}${result.error ? `: ${result.error}` : ''}`);
    if (result.status === 'failed') {
      const message = result.error ?? 'the trial failed';
      // A record too large for Redis fails the same way every time.
      if (/a record may take in Redis/.test(message)) throw new UnrecoverableError(message);
      throw new Error(message);
    }
    return { status: result.status, epochs: result.epochs.length };
  }
}

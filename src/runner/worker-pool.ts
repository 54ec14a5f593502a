import { Worker } from 'node:worker_threads';
import type { Trial } from '../config/plan.js';
import type { RunEventInput, TrialResult } from '../run-log/types.js';
import { isStopped, type Executor, type TrialRunContext } from './executor.js';
import type { FromWorker, ToWorker } from './worker.js';

/**
 * Trains trials in worker threads that take them from one queue. A worker that crashes fails its
 * trial and is replaced for the rest; one that cannot start leaves the queue to the others, and
 * only when none can start do the remaining trials fail, with the reason.
 */
export class WorkerThreadsExecutor implements Executor {
  constructor(private readonly workers: number) {}

  run(trials: readonly Trial[], context: TrialRunContext, emit: (event: RunEventInput) => void): Promise<TrialResult[]> {
    const queue = [...trials];
    const results = new Map<string, TrialResult>();
    /** Trials whose worker reported their start, with the epochs it reported since (each one stored before). */
    const reported = new Map<string, number>();
    let alive = 0;
    return new Promise((resolve) => {
      const fail = (trial: Trial, error: string) => {
        const epochs = reported.get(trial.id);
        results.set(trial.id, { id: trial.id, status: 'failed', error, epochs: [] });
        // A trial its worker started keeps what it reported; one never started starts here, to end.
        if (epochs === undefined) emit({ type: 'trialStart', trialId: trial.id, name: trial.name, seed: trial.seed, ...(context.resume ? { resumedFrom: 0 } : {}), backend: context.backend });
        emit({ type: 'trialFailed', trialId: trial.id, error });
        emit({ type: 'trialEnd', trialId: trial.id, status: 'failed', epochs: epochs ?? 0 });
      };
      const finished = () => {
        if (alive === 0) resolve(trials.flatMap((t) => results.get(t.id) ?? []));
      };
      const spawn = () => {
        alive++;
        const worker = new Worker(new URL('./worker.js', import.meta.url), { workerData: context });
        let current: Trial | undefined;
        let started = false;
        let lastError = '';
        const next = () => {
          current = isStopped(context.stopFlag) ? undefined : queue.shift();
          worker.postMessage((current ? { type: 'trial', trial: current } : { type: 'stop' }) satisfies ToWorker);
        };
        worker.on('message', (message: FromWorker) => {
          switch (message.type) {
            case 'ready':
              started = true;
              next();
              break;
            case 'initFailed':
              lastError = `a worker thread could not start: ${message.error}`;
              void worker.terminate();
              break;
            case 'event': {
              const e = message.event;
              if (e.type === 'trialStart') reported.set(e.trialId, e.resumedFrom ?? 0);
              else if (e.type === 'epochEnd') reported.set(e.trialId, e.epoch);
              emit(e);
              break;
            }
            case 'done':
              results.set(message.result.id, message.result);
              next();
              break;
          }
        });
        worker.on('error', (error) => {
          lastError = `worker thread crashed: ${error.message}`;
        });
        worker.on('exit', (exitCode) => {
          alive--;
          if (current && !results.has(current.id)) fail(current, lastError || `worker thread exited unexpectedly (exit code ${exitCode})`);
          current = undefined;
          if (queue.length > 0 && !isStopped(context.stopFlag)) {
            // A crash mid-run gets a fresh worker for the rest; a start that failed while others run leaves them the queue.
            if (started) spawn();
            else if (alive === 0) for (const trial of queue.splice(0)) fail(trial, lastError);
          }
          finished();
        });
      };
      const count = Math.max(1, Math.min(this.workers, queue.length));
      if (queue.length === 0) resolve([]);
      else for (let i = 0; i < count; i++) spawn();
    });
  }
}

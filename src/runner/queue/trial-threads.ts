// The training threads of a queue worker: one per trial trained at once, each kept for the next
// trial (TF.js loads once per thread). A thread that crashes fails its trial and is replaced; a
// trial whose backend cannot start fails with the reason.
import { Worker } from 'node:worker_threads';
import type { Trial } from '../../config/plan.js';
import type { RunEventInput, TrialResult } from '../../run-log/types.js';
import type { TrialRunContext } from '../executor.js';
import type { FromTrialThread, ToTrialThread } from './trial-thread.js';

export class TrialThreads {
  private readonly idle: Worker[] = [];
  private readonly all = new Set<Worker>();

  constructor(private readonly pluginModules: readonly string[]) {}

  private take(): Worker {
    const idle = this.idle.pop();
    if (idle) return idle;
    const thread = new Worker(new URL('./trial-thread.js', import.meta.url), { workerData: { pluginModules: this.pluginModules } });
    this.all.add(thread);
    thread.on('exit', () => this.all.delete(thread));
    return thread;
  }

  /** Trains the trial in a thread of its own; events go to `emit` as they happen. */
  run(context: TrialRunContext, trial: Trial, emit: (event: RunEventInput) => void): Promise<TrialResult> {
    const thread = this.take();
    let started = false;
    let reported = 0;
    return new Promise((resolve) => {
      const fail = (error: string) => {
        // As a local worker thread's crash: a trial its thread started keeps what it reported.
        if (!started) emit({ type: 'trialStart', trialId: trial.id, name: trial.name, seed: trial.seed, ...(context.resume ? { resumedFrom: 0 } : {}), backend: context.backend });
        emit({ type: 'trialFailed', trialId: trial.id, error });
        emit({ type: 'trialEnd', trialId: trial.id, status: 'failed', epochs: reported });
        resolve({ id: trial.id, status: 'failed', error, epochs: [] });
      };
      const onMessage = (message: FromTrialThread) => {
        if (message.type === 'event') {
          const e = message.event;
          if (e.type === 'trialStart') (started = true), (reported = e.resumedFrom ?? 0);
          else if (e.type === 'epochEnd') reported = e.epoch;
          emit(e);
          return;
        }
        done();
        this.idle.push(thread);
        if (message.type === 'done') resolve(message.result);
        else fail(message.error);
      };
      let lastError = '';
      const onError = (error: Error) => void (lastError = error.message);
      const onExit = (code: number) => {
        done();
        fail(lastError ? `worker thread crashed: ${lastError}` : `worker thread exited unexpectedly (exit code ${code})`);
      };
      const done = () => {
        thread.off('message', onMessage);
        thread.off('error', onError);
        thread.off('exit', onExit);
      };
      thread.on('message', onMessage);
      thread.on('error', onError);
      thread.on('exit', onExit);
      thread.postMessage({ type: 'trial', context, trial } satisfies ToTrialThread);
    });
  }

  /** Lets every thread go once it is idle. */
  async close(): Promise<void> {
    const exits = [...this.all].map((t) => new Promise((resolve) => t.once('exit', resolve)));
    for (const thread of this.all) thread.postMessage({ type: 'stop' } satisfies ToTrialThread);
    await Promise.all(exits);
  }
}

// How trials are run: one after another in this thread, in worker threads, or on a queue of
// machines (queue/executor.ts). The run (runPlan) only hands trials to an executor and takes events and results.
import type { Registries } from '../registry/index.js';
import type { LoadedData, TF } from '../registry/kinds.js';
import type { Plan, Trial } from '../config/plan.js';
import type { RunEventInput, TrialResult } from '../run-log/types.js';
import { runTrial } from './trial.js';
import { openStore, type StoreSpec } from './store.js';

/** What every trial of a run shares. Plain data (and shared memory), so it crosses to worker threads. */
export interface TrialRunContext {
  plan: Plan;
  /** The backend the run chose (never 'auto'). */
  backend: string;
  /** Typed arrays on SharedArrayBuffer: shared, not copied. */
  data: LoadedData;
  /** Where trials keep checkpoints, results and weights; none: they keep nothing. */
  store?: StoreSpec;
  /** Trials continue from their newest checkpoints. */
  resume: boolean;
  /** Set to 1 (Atomics) to make every trial stop at its next step. */
  stopFlag: Int32Array;
}

export const newStopFlag = (): Int32Array => new Int32Array(new SharedArrayBuffer(4));
export const isStopped = (flag: Int32Array): boolean => Atomics.load(flag, 0) !== 0;
export const requestStop = (flag: Int32Array): void => void Atomics.store(flag, 0, 1);

export interface Executor {
  /**
   * Trains the trials and resolves with a result for each that it took (a trial not started
   * because the run stopped has none); events go to `emit` as they happen.
   */
  run(trials: readonly Trial[], context: TrialRunContext, emit: (event: RunEventInput) => void): Promise<TrialResult[]>;
  /** Why the executor gave up on the run as a whole (a queue it lost), if it did: the run's end records it. */
  failure?(): string | undefined;
}

/** Trains the trials one after another in this thread, on its TF.js (tests, and one-trial runs). */
export class InProcessExecutor implements Executor {
  constructor(
    private readonly tf: TF,
    private readonly registries: Registries,
  ) {}

  async run(trials: readonly Trial[], context: TrialRunContext, emit: (event: RunEventInput) => void): Promise<TrialResult[]> {
    const store = context.store ? openStore(context.store) : undefined;
    const results: TrialResult[] = [];
    for (const trial of trials) {
      if (isStopped(context.stopFlag)) break;
      results.push(
        await runTrial({
          tf: this.tf,
          registries: this.registries,
          plan: context.plan,
          trial,
          data: context.data,
          emit,
          store,
          resume: context.resume,
          backend: context.backend,
          shouldStop: () => isStopped(context.stopFlag),
        }),
      );
    }
    await store?.close?.();
    return results;
  }
}

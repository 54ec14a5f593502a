// A worker thread that trains trials one at a time, on its own TF.js instance (wasm runs one
// thread per instance in Node, so trials in several workers use several cores).
import { parentPort, workerData } from 'node:worker_threads';
import { createRegistries } from '../registry/index.js';
import { loadPlugins } from '../config/plugins.js';
import type { Plan, Trial } from '../config/plan.js';
import type { LoadedData } from '../registry/kinds.js';
import { runTrial } from './trial.js';
import type { RunEventInput, TrialResult } from './events.js';

export interface WorkerInit {
  plan: Plan;
  /** The backend chosen by the main thread (never 'auto'). */
  backend: string;
  /** Typed arrays on SharedArrayBuffer: shared, not copied. */
  data: LoadedData;
  /** Where trials checkpoint and save their weights. */
  runDir: string;
  resume: boolean;
  /** Shared flag the main thread sets to 1 to stop every trial at its next step. */
  stopFlag: Int32Array;
}

export type ToWorker = { type: 'trial'; trial: Trial } | { type: 'stop' };
export type FromWorker =
  | { type: 'ready' }
  | { type: 'initFailed'; error: string }
  | { type: 'event'; event: RunEventInput }
  | { type: 'done'; result: TrialResult };

const port = parentPort!;
const post = (message: FromWorker) => port.postMessage(message);

async function start(): Promise<void> {
  const { plan, backend, data, runDir, resume, stopFlag } = workerData as WorkerInit;
  const shouldStop = () => Atomics.load(stopFlag, 0) !== 0;
  const registries = createRegistries();
  let tf;
  try {
    const problems = await loadPlugins(plan.experiment.file, plan.pluginModules, registries);
    if (problems.length > 0) throw new Error(problems.map((p) => p.message).join('; '));
    tf = (await registries.backends.get(backend).load({ backends: registries.backends })).tf;
  } catch (error) {
    post({ type: 'initFailed', error: (error as Error).message });
    return;
  }
  const loadedTf = tf;
  port.on('message', (message: ToWorker) => {
    if (message.type === 'stop') {
      port.close();
      return;
    }
    void runTrial({ tf: loadedTf, registries, plan, trial: message.trial, data, runDir, resume, shouldStop, emit: (event) => post({ type: 'event', event }) }).then((result) =>
      post({ type: 'done', result }),
    );
  });
  post({ type: 'ready' });
}

void start();

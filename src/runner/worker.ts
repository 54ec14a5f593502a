// A worker thread that trains trials one at a time, on its own TF.js instance (wasm runs one
// thread per instance in Node, so trials in several workers use several cores).
import { parentPort, workerData } from 'node:worker_threads';
import { createRegistries } from '../registry/index.js';
import { loadPlugins } from '../registry/modules.js';
import type { Trial } from '../config/plan.js';
import type { RunEventInput, TrialResult } from '../run-log/types.js';
import { runTrial } from './trial.js';
import { isStopped, type TrialRunContext } from './executor.js';
import { openStore } from './store.js';
import { loadBackendQuietly } from './backend.js';

export type ToWorker = { type: 'trial'; trial: Trial } | { type: 'stop' };
export type FromWorker =
  | { type: 'ready' }
  | { type: 'initFailed'; error: string }
  | { type: 'event'; event: RunEventInput }
  | { type: 'done'; result: TrialResult };

const port = parentPort!;
const post = (message: FromWorker) => port.postMessage(message);

async function start(): Promise<void> {
  const context = workerData as TrialRunContext;
  const registries = createRegistries();
  let tf;
  try {
    const problems = await loadPlugins(context.plan.experiment.file, context.plan.pluginModules, registries);
    if (problems.length > 0) throw new Error(problems.map((p) => p.message).join('; '));
    tf = (await loadBackendQuietly(registries, context.backend)).tf;
  } catch (error) {
    post({ type: 'initFailed', error: (error as Error).message });
    return;
  }
  const loadedTf = tf;
  const store = context.store ? openStore(context.store) : undefined;
  port.on('message', (message: ToWorker) => {
    if (message.type === 'stop') {
      // A store's connection (Redis) would keep the thread alive.
      void (store?.close?.() ?? Promise.resolve()).finally(() => port.close());
      return;
    }
    void runTrial({
      tf: loadedTf,
      registries,
      plan: context.plan,
      trial: message.trial,
      data: context.data,
      store,
      resume: context.resume,
      backend: context.backend,
      shouldStop: () => isStopped(context.stopFlag),
      emit: (event) => post({ type: 'event', event }),
    }).then((result) => post({ type: 'done', result }));
  });
  post({ type: 'ready' });
}

void start();

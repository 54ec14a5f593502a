// A queue worker's training thread: kept for the worker's life and given one trial at a time
// (each with its own run context), so that TF.js and the plugin modules load once per thread, not
// once per trial. The trial itself is runTrial, as everywhere.
import { parentPort, workerData } from 'node:worker_threads';
import { createRegistries } from '../../registry/index.js';
import { loadPlugins } from '../../registry/modules.js';
import type { Trial } from '../../config/plan.js';
import type { LoadedBackend } from '../../registry/kinds.js';
import type { RunEventInput, TrialResult } from '../../run-log/types.js';
import { runTrial } from '../trial.js';
import { isStopped, type TrialRunContext } from '../executor.js';
import { openStore, type StoreSpec, type TrialStore } from '../store.js';
import { loadBackendQuietly } from '../backend.js';

export type ToTrialThread = { type: 'trial'; context: TrialRunContext; trial: Trial } | { type: 'stop' };
export type FromTrialThread = { type: 'event'; event: RunEventInput } | { type: 'done'; result: TrialResult } | { type: 'cannotStart'; error: string };

const port = parentPort!;
const post = (message: FromTrialThread) => port.postMessage(message);
const { pluginModules } = workerData as { pluginModules: string[] };
const registries = createRegistries();
const plugins = loadPlugins('worker', pluginModules, registries).then((problems) => {
  if (problems.length > 0) throw new Error(problems.map((p) => p.message).join('; '));
});
const backends = new Map<string, Promise<LoadedBackend>>();
const stores = new Map<string, TrialStore>();

function storeFor(spec: StoreSpec): TrialStore {
  const key = spec.kind === 'redis' ? `redis:${spec.runKey}` : spec.dir;
  let store = stores.get(key);
  if (!store) stores.set(key, (store = openStore(spec)));
  return store;
}

async function train(context: TrialRunContext, trial: Trial): Promise<void> {
  let tf;
  try {
    await plugins;
    let loading = backends.get(context.backend);
    if (!loading) backends.set(context.backend, (loading = loadBackendQuietly(registries, context.backend)));
    tf = (await loading).tf;
  } catch (error) {
    backends.delete(context.backend);
    post({ type: 'cannotStart', error: `backend '${context.backend}' cannot start on this worker: ${(error as Error).message}` });
    return;
  }
  const result = await runTrial({
    tf,
    registries,
    plan: context.plan,
    trial,
    data: context.data,
    store: context.store ? storeFor(context.store) : undefined,
    resume: context.resume,
    backend: context.backend,
    shouldStop: () => isStopped(context.stopFlag),
    emit: (event) => post({ type: 'event', event }),
  });
  post({ type: 'done', result });
}

port.on('message', (message: ToTrialThread) => {
  if (message.type === 'stop') {
    void Promise.all([...stores.values()].map((s) => s.close?.())).finally(() => port.close());
    return;
  }
  void train(message.context, message.trial);
});

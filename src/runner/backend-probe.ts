// A worker thread that starts a backend only to say whether it can run (its name, what auto tried,
// its adapter), then ends. A run that trains in worker threads checks its backend here before it
// writes anything, so that the main thread, which trains nothing, never holds a TF.js instance, its
// wasm module and heap: about 50 MB of the lecture's peak RSS (measured 2026-12-02).
import { parentPort, workerData } from 'node:worker_threads';
import { createRegistries } from '../registry/index.js';
import { loadPlugins } from '../registry/modules.js';
import { loadBackendQuietly } from './backend.js';
import type { ProbedBackend } from './backend.js';

export interface ProbeRequest {
  experimentFile: string;
  pluginModules: string[];
  backend: string;
}

export type ProbeReply = { ok: true; backend: ProbedBackend } | { ok: false; error: string; plugins?: true };

async function probe(): Promise<ProbeReply> {
  const request = workerData as ProbeRequest;
  const registries = createRegistries();
  const problems = await loadPlugins(request.experimentFile, request.pluginModules, registries);
  if (problems.length > 0) return { ok: false, plugins: true, error: problems.map((p) => p.message).join('; ') };
  try {
    const { name, tried, adapter } = await loadBackendQuietly(registries, request.backend);
    return { ok: true, backend: { name, tried, ...(adapter ? { adapter } : {}) } };
  } catch (error) {
    return { ok: false, error: (error as Error).message };
  }
}

parentPort!.postMessage(await probe().catch((error: unknown) => ({ ok: false, error: (error as Error).message }) satisfies ProbeReply));

import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Registries } from '../registry/index.js';
import type { LoadedBackend } from '../registry/kinds.js';
import { withoutStrayProcessHandlers } from '../registry/backends/load.js';
import type { ProbeReply, ProbeRequest } from './backend-probe.js';

/** What a run records of its backend; `tf` only where this thread trains on it. */
export type ProbedBackend = Omit<LoadedBackend, 'tf'> & { tf?: LoadedBackend['tf'] };

/**
 * Loads a backend by name, keeping no process handler it installs (the built-in backends remove
 * theirs themselves; a user's backend plugin might not): trainyard's own handlers stay in charge.
 */
export const loadBackendQuietly = (registries: Registries, name: string): Promise<LoadedBackend> =>
  withoutStrayProcessHandlers(() => registries.backends.get(name).load({ backends: registries.backends }));

/**
 * Starts the backend in a worker thread that then ends (backend-probe.ts), and says what it found;
 * rejects with the backend's reason where it cannot run. Where the probe script is not beside this
 * module (sources run through tsx, a bundle), the backend loads in this thread instead.
 */
export async function probeBackend(registries: Registries, name: string, plugins: Omit<ProbeRequest, 'backend'>): Promise<ProbedBackend> {
  const script = new URL('./backend-probe.js', import.meta.url);
  if (!existsSync(fileURLToPath(script))) return loadBackendQuietly(registries, name);
  const reply = await new Promise<ProbeReply>((resolve) => {
    const worker = new Worker(script, { workerData: { ...plugins, backend: name } satisfies ProbeRequest });
    worker.once('message', (message: ProbeReply) => {
      resolve(message);
      void worker.terminate();
    });
    worker.once('error', (error) => resolve({ ok: false, error: error.message }));
    worker.once('exit', (code) => resolve({ ok: false, error: `the thread that starts it ended (exit ${code})` }));
  });
  // The experiment's plugins loaded in this thread but not in that one: a thread's trouble, which
  // the training workers report per trial; whether the backend runs is asked here instead.
  if (!reply.ok && reply.plugins) return loadBackendQuietly(registries, name);
  if (!reply.ok) throw new Error(reply.error);
  return reply.backend;
}

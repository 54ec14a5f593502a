import type { Registries } from '../registry/index.js';
import type { LoadedBackend } from '../registry/kinds.js';

const PROCESS_EVENTS = ['uncaughtException', 'unhandledRejection'] as const;

/**
 * Loads a backend by name. TF.js's wasm backend (Emscripten) installs process handlers that
 * rethrow every uncaught exception and rejection, so that any late error anywhere would end the
 * process with a raw stack and exit code 7; the handlers a backend adds are removed again, and
 * trainyard's own (see src/util/process-errors.ts) stay in charge.
 */
export async function loadBackendQuietly(registries: Registries, name: string): Promise<LoadedBackend> {
  const listeners = (event: string) => process.listeners(event as 'uncaughtException') as unknown[];
  const before = new Map(PROCESS_EVENTS.map((e) => [e, new Set(listeners(e))]));
  try {
    return await registries.backends.get(name).load({ backends: registries.backends });
  } finally {
    for (const event of PROCESS_EVENTS) {
      for (const listener of listeners(event)) if (!before.get(event)!.has(listener)) process.off(event, listener as never);
    }
  }
}

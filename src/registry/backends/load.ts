import type { TF } from '../kinds.js';

/** Short reason for a failed import or backend start, without a stack. */
export function reason(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  if (/ERR_MODULE_NOT_FOUND|Cannot find (package|module)/.test(message) && !/\.node/.test(message)) {
    const pkg = /['"](@tensorflow\/[^'"/]+)/.exec(message)?.[1];
    return pkg ? `${pkg} is not installed` : message.split('\n')[0];
  }
  return message.split('\n')[0];
}

/** Imports plain TF.js quietly (prod mode: no Node banner, fewer debug checks). */
export async function importTfjs(): Promise<TF> {
  const mod = (await import('@tensorflow/tfjs')) as unknown as TF & { default?: TF };
  // Node's import of the CommonJS package names its exports; a bundle's (the GPU bundle) may give only default.
  const tf = typeof mod.enableProdMode === 'function' ? mod : mod.default!;
  tf.enableProdMode();
  return tf;
}

const PROCESS_EVENTS = ['uncaughtException', 'unhandledRejection'] as const;

/**
 * Runs `start`, then removes the process handlers it installed. TF.js's wasm backend (Emscripten)
 * installs handlers that rethrow every uncaught exception and rejection as it starts, so that any
 * late error anywhere in the process would end it with a raw stack and exit code 7; whoever owns
 * the process (trainyard's CLI: src/util/process-errors.ts) keeps that decision.
 */
export async function withoutStrayProcessHandlers<T>(start: () => Promise<T>): Promise<T> {
  const listeners = (event: string) => process.listeners(event as 'uncaughtException') as unknown[];
  const before = new Map(PROCESS_EVENTS.map((e) => [e, new Set(listeners(e))]));
  try {
    return await start();
  } finally {
    for (const event of PROCESS_EVENTS) {
      for (const listener of listeners(event)) if (!before.get(event)!.has(listener)) process.off(event, listener as never);
    }
  }
}

/** Makes `name` the active backend of `tf` or throws why not. */
export async function activate(tf: TF, name: string): Promise<void> {
  await withoutStrayProcessHandlers(async () => {
    const ok = await tf.setBackend(name);
    if (!ok || tf.getBackend() !== name) throw new Error(`TF.js could not start its '${name}' backend`);
    await tf.ready();
  });
}

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
  const tf = (await import('@tensorflow/tfjs')) as unknown as TF;
  tf.enableProdMode();
  return tf;
}

/** Makes `name` the active backend of `tf` or throws why not. */
export async function activate(tf: TF, name: string): Promise<void> {
  const ok = await tf.setBackend(name);
  if (!ok || tf.getBackend() !== name) throw new Error(`TF.js could not start its '${name}' backend`);
  await tf.ready();
}

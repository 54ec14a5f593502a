import type { Registries } from '../src/registry/index.js';
import { requireSystem } from './requirements.js';

/**
 * Loads a backend for a suite. wasm-blas needs OpenBLAS, a Debian package CI installs: a machine
 * without it skips the suite, while CI (CI set) fails instead. Any other backend must load.
 */
export async function loadBackendOrSkip(context: Mocha.Context, registries: Registries, backend: string): Promise<void> {
  try {
    await registries.backends.get(backend).load({ backends: registries.backends });
  } catch (error) {
    if (backend !== 'wasm-blas') throw error;
    requireSystem(context, 'OpenBLAS for the wasm-blas backend', false, 'apt-get install libopenblas0-pthread', (error as Error).message);
  }
}

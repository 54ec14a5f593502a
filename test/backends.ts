import type { Registries } from '../src/registry/index.js';
import { requireSystem } from './requirements.js';

/** Backends that need something from the machine, and how to install it. */
const SYSTEM_NEEDS: Record<string, [what: string, hint: string]> = {
  'wasm-blas': ['OpenBLAS for the wasm-blas backend', 'apt-get install libopenblas0-pthread'],
  webgpu: ['a Vulkan driver Dawn accepts for the webgpu backend (Mesa 25 lavapipe on a CPU)', 'apt-get install -t bookworm-backports mesa-vulkan-drivers'],
};

/**
 * Loads a backend for a suite. wasm-blas needs OpenBLAS and webgpu a Vulkan driver, Debian packages
 * CI installs: a machine without them skips the suite, while CI (CI set) fails instead. Any other
 * backend must load.
 */
export async function loadBackendOrSkip(context: Mocha.Context, registries: Registries, backend: string): Promise<void> {
  try {
    await registries.backends.get(backend).load({ backends: registries.backends });
  } catch (error) {
    const needs = SYSTEM_NEEDS[backend];
    if (!needs) throw error;
    requireSystem(context, needs[0], false, needs[1], (error as Error).message);
  }
}

/** The backends every layer, loss and runner test runs on. */
export const TEST_BACKENDS = ['cpu', 'wasm', 'wasm-blas', 'webgpu'] as const;

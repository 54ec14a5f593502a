import type { Registries } from '../registry/index.js';
import type { LoadedBackend } from '../registry/kinds.js';
import { withoutStrayProcessHandlers } from '../registry/backends/load.js';

/**
 * Loads a backend by name, keeping no process handler it installs (the built-in backends remove
 * theirs themselves; a user's backend plugin might not): trainyard's own handlers stay in charge.
 */
export const loadBackendQuietly = (registries: Registries, name: string): Promise<LoadedBackend> =>
  withoutStrayProcessHandlers(() => registries.backends.get(name).load({ backends: registries.backends }));

// A backend's memory costs for the estimate come from its plugin (BackendPlugin.memory): the
// figures are facts about the backend, measured where it runs (src/registry/backends/memory.ts).
import type { Registries } from '../registry/index.js';
import type { MemoryProfile } from '../registry/kinds.js';
import { autoOrder } from '../registry/backends/auto.js';

export type { MemoryProfile, TensorStore } from '../registry/kinds.js';

/** The figures for a backend, with its name; one without figures (a user's plugin) gets cpu's, marked not calibrated. */
export function memoryProfile(backend: string, registries: Registries): MemoryProfile & { backend: string } {
  const { backends } = registries;
  if (backend === 'auto') {
    // Before it has chosen: the first backend in auto's order whose figures were measured (where the
    // native builds cannot install, what auto picks). The run estimates again once one has loaded.
    const chosen = autoOrder(backends.list()).find((name) => backends.get(name).memory?.calibrated) ?? 'cpu';
    return memoryProfile(chosen, registries);
  }
  const own = backends.has(backend) ? backends.get(backend).memory : undefined;
  if (own) return { ...own, backend };
  return { ...backends.get('cpu').memory!, backend, calibrated: false };
}

/** The heap one trial needs on this backend: what must fit heapLimitBytes. */
export const heapBytes = (profile: Pick<MemoryProfile, 'heapFactor' | 'heapOverheadBytes' | 'heapInitialBytes'>, liveBytes: number): number =>
  Math.round(Math.max(profile.heapInitialBytes, liveBytes * profile.heapFactor + profile.heapOverheadBytes));

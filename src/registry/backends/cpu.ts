import { defineBackend } from '../kinds.js';
import { activate, importTfjs } from './load.js';
import { cpuMemory } from './memory.js';

export default defineBackend<Record<string, never>>({
  type: 'cpu',
  summary: 'Plain JavaScript (always available, slowest)',
  params: { type: 'object', properties: {}, additionalProperties: false },
  priority: 10,
  memory: cpuMemory,
  device: 'cpu',
  // Measured under load (2026-11-26 to 12-01): the lecture's MLP, per trial thread.
  speed: { flopsPerSecond: 1e9, secondsPerStep: 1e-3 },
  // One thread per TF.js instance: trials in parallel workers use the cores (one more than cores measured fastest).
  parallelTrials: (cores) => cores + 1,
  async load() {
    const tf = await importTfjs();
    await activate(tf, 'cpu');
    return { tf, name: 'cpu', tried: [] };
  },
});

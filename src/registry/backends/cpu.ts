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
  // Rough, per trial thread: the lecture MLP at batch 100 for the rate (2026-11-26 to 12-01), batch-1 epochs under load (2026-12-01) for the fixed cost of a step.
  speed: { flopsPerSecond: 1e9, secondsPerStep: 5e-3 },
  // One thread per TF.js instance: trials in parallel workers use the cores (one more than cores measured fastest).
  parallelTrials: (cores) => cores + 1,
  async load() {
    const tf = await importTfjs();
    await activate(tf, 'cpu');
    return { tf, name: 'cpu', tried: [] };
  },
});

import { defineBackend } from '../kinds.js';
import { activate, importTfjs } from './load.js';

export default defineBackend<Record<string, never>>({
  type: 'cpu',
  summary: 'Plain JavaScript (always available, slowest)',
  params: { type: 'object', properties: {}, additionalProperties: false },
  async load() {
    const tf = await importTfjs();
    await activate(tf, 'cpu');
    return { tf, name: 'cpu', tried: [] };
  },
});

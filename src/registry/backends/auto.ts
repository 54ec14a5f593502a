import { defineBackend, type BackendAttempt } from '../kinds.js';
import { reason } from './load.js';

/** The order auto tries: fastest first. */
export const AUTO_ORDER = ['tensorflow-gpu', 'tensorflow', 'wasm-blas', 'wasm', 'cpu'];

export default defineBackend<Record<string, never>>({
  type: 'auto',
  summary: `The first that loads of: ${AUTO_ORDER.join(', ')}`,
  params: { type: 'object', properties: {}, additionalProperties: false },
  async load({ backends }) {
    const tried: BackendAttempt[] = [];
    for (const name of AUTO_ORDER) {
      try {
        const loaded = await backends.get(name).load({ backends });
        return { ...loaded, tried };
      } catch (error) {
        tried.push({ name, error: reason(error) });
      }
    }
    throw new Error(`no backend could start: ${tried.map((t) => `${t.name}: ${t.error}`).join('; ')}`);
  },
});

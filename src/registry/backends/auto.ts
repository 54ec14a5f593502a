import { defineBackend, type BackendAttempt, type BackendPlugin } from '../kinds.js';
import { reason } from './load.js';

/** The backends auto tries, by their own priority: highest (fastest) first. */
export const autoOrder = (backends: readonly BackendPlugin[]): string[] =>
  backends
    .filter((b) => typeof b.priority === 'number')
    .sort((a, b) => b.priority! - a.priority!)
    .map((b) => b.type);

export default defineBackend<Record<string, never>>({
  type: 'auto',
  summary: 'The first that loads of every backend with a priority, highest first (trainyard list backends shows them)',
  params: { type: 'object', properties: {}, additionalProperties: false },
  async load({ backends }) {
    const tried: BackendAttempt[] = [];
    for (const name of autoOrder(backends.list())) {
      try {
        const loaded = await backends.get(name).load({ backends, auto: true });
        return { ...loaded, tried };
      } catch (error) {
        tried.push({ name, error: reason(error) });
      }
    }
    throw new Error(`no backend could start: ${tried.map((t) => `${t.name}: ${t.error}`).join('; ')}`);
  },
});

// `trainyard list backends`: each backend tried on this machine, one line each, and auto's choice.
import type { Registries } from '../registry/index.js';
import type { LoadedBackend } from '../registry/kinds.js';
import { autoOrder } from '../registry/backends/auto.js';
import { reason, withoutStrayProcessHandlers } from '../registry/backends/load.js';
import { adapterLabel } from '../registry/backends/dawn.js';
import { printable } from '../util/text.js';

type Outcome = { loaded: LoadedBackend } | { error: string };

async function attempt(registries: Registries, name: string, auto: boolean): Promise<Outcome> {
  try {
    return { loaded: await withoutStrayProcessHandlers(() => registries.backends.get(name).load({ backends: registries.backends, auto })) };
  } catch (error) {
    return { error: reason(error) };
  }
}

/** One line per backend (`NAME: can start` or `NAME: cannot start: REASON`) and the one auto picks. */
export async function probeBackends(registries: Registries): Promise<string> {
  const lines: string[] = [];
  for (const plugin of registries.backends.list()) {
    if (plugin.type === 'auto') continue;
    const outcome = await attempt(registries, plugin.type, false);
    if ('error' in outcome) {
      lines.push(`${plugin.type}: cannot start: ${printable(outcome.error)}`);
    } else {
      const adapter = outcome.loaded.adapter;
      lines.push(`${plugin.type}: can start${adapter ? ` (adapter: ${printable(adapterLabel(adapter))})` : ''}`);
    }
  }
  // auto's own rule, as `run` applies it: the first in its order that starts when auto asks.
  let picked: string | undefined;
  const passed: string[] = [];
  for (const name of autoOrder(registries.backends.list())) {
    const outcome = await attempt(registries, name, true);
    if ('loaded' in outcome) {
      picked = name;
      break;
    }
    if (lines.some((l) => l.startsWith(`${name}: can start`))) passed.push(`${name}: ${printable(outcome.error)}`);
  }
  lines.push(picked ? `auto picks: ${picked}` : 'auto picks: none (no backend can start)');
  for (const p of passed) lines.push(`  auto passes over ${p}`);
  return lines.join('\n');
}

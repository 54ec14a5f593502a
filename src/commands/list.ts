import { createRegistries, type Registries, type RegistryKind } from '../registry/index.js';
import type { BackendPlugin } from '../registry/kinds.js';
import { autoOrder } from '../registry/backends/auto.js';
import { closestName } from '../util/suggest.js';
import { UserError } from '../util/errors.js';
import { columns, paramRows } from './describe-params.js';

/** The kinds of plugins, from the registries themselves. */
export const pluginKinds = (): string => Object.keys(createRegistries()).join(', ');

export const LIST_HELP = (): string => `Usage: trainyard list [KIND] [--plugins FILE...]

Lists the plugins of every kind, or of one KIND, with their summary and params
(type, default, description). KIND is one of: ${pluginKinds()} (singular works too).
--plugins FILE... adds a project's own plugin modules (paths relative to this directory).
trainyard list backends also tries each backend on this machine: NAME: can start, or
NAME: cannot start: REASON, and the one auto picks.`;

/** ' [auto: 2nd; gpu]': where auto tries a backend and what it computes on. */
function backendFacts(plugin: BackendPlugin, registries: Registries): string {
  const order = autoOrder(registries.backends.list());
  const at = order.indexOf(plugin.type);
  const parts = [at >= 0 ? `auto tries it ${at + 1} of ${order.length}` : '', plugin.device ?? ''].filter(Boolean);
  return parts.length ? ` [${parts.join('; ')}]` : '';
}

export function listPlugins(kindArg: string | undefined, registries: Registries = createRegistries()): string {
  const kinds = Object.keys(registries) as RegistryKind[];
  let selected = kinds;
  if (kindArg !== undefined) {
    const kind = kinds.find((k) => k === kindArg || k === `${kindArg}s` || (k === 'losses' && kindArg === 'loss'));
    if (!kind) {
      const suggestion = closestName(kindArg, kinds);
      throw new UserError(`unknown plugin kind '${kindArg}'${suggestion ? `; did you mean '${suggestion}'?` : ''} (valid: ${kinds.join(', ')})`);
    }
    selected = [kind];
  }
  const blocks = selected.map((kind) => {
    const lines = [`${kind}:`];
    for (const plugin of registries[kind].list()) {
      const facts = kind === 'backends' ? backendFacts(plugin as BackendPlugin, registries) : '';
      lines.push(`  ${plugin.type}  ${plugin.summary}${facts}`);
      const rows = paramRows(plugin);
      if (rows.length > 0) lines.push(columns(rows, '      '));
    }
    return lines.join('\n');
  });
  return blocks.join('\n\n');
}

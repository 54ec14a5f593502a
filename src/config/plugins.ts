import { dirname, isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { stat } from 'node:fs/promises';
import type { Registries, RegistryKind } from '../registry/index.js';
import type { PluginKindName } from '../registry/kinds.js';
import { describe, type Problem } from './errors.js';
import { schemaProblem } from './ajv.js';

const KIND_REGISTRY: Record<PluginKindName, RegistryKind> = {
  dataset: 'datasets',
  transform: 'transforms',
  layer: 'layers',
  loss: 'losses',
  optimizer: 'optimizers',
  schedule: 'schedules',
  metric: 'metrics',
  backend: 'backends',
};

/** What each kind must provide besides type, summary and params. */
const REQUIRED_MEMBERS: Record<PluginKindName, Record<string, 'function' | 'string'>> = {
  dataset: { inspect: 'function', load: 'function' },
  transform: { apply: 'function' },
  layer: { outputShape: 'function', create: 'function' },
  loss: { target: 'string', create: 'function' },
  optimizer: { create: 'function' },
  schedule: { create: 'function' },
  metric: { key: 'string', create: 'function' },
  backend: { load: 'function' },
};

/** The absolute paths of the plugin modules a config names. */
export function pluginModulePaths(file: string, plugins: unknown): string[] {
  if (!Array.isArray(plugins)) return [];
  return plugins.filter((p): p is string => typeof p === 'string' && p.length > 0).map((p) => (isAbsolute(p) ? p : resolve(dirname(file), p)));
}

/** Why a plugin object is malformed, or undefined when it is fine. */
function malformed(plugin: unknown, registries: Registries): string | undefined {
  if (plugin === null || typeof plugin !== 'object') return `a plugin must be an object, not ${describe(plugin)}`;
  const p = plugin as Record<string, unknown>;
  const kinds = Object.keys(KIND_REGISTRY);
  if (typeof p.kind !== 'string' || !(p.kind in KIND_REGISTRY)) return `plugin ${typeof p.type === 'string' ? `'${p.type}' ` : ''}needs kind: one of ${kinds.join(', ')} (got ${describe(p.kind)})`;
  const kind = p.kind as PluginKindName;
  if (typeof p.type !== 'string' || p.type === '') return `${kind} plugin needs a type (the name used in YAML), got ${describe(p.type)}`;
  if (registries[KIND_REGISTRY[kind]].has(p.type)) return `${kind} '${p.type}' is already registered; choose another type name`;
  if (typeof p.summary !== 'string') return `${kind} '${p.type}' needs a summary (one line for trainyard list)`;
  const params = p.params as Record<string, unknown> | undefined;
  if (!params || params.type !== 'object' || typeof params.properties !== 'object') {
    return `${kind} '${p.type}' needs params: a JSON Schema {type: 'object', properties: {...}}`;
  }
  const bad = schemaProblem(params);
  if (bad) return `${kind} '${p.type}' has an invalid params schema: ${bad}`;
  for (const [member, type] of Object.entries(REQUIRED_MEMBERS[kind])) {
    if (typeof p[member] !== type) return `${kind} '${p.type}' needs ${member} (a ${type})`;
  }
  if (kind === 'loss' && p.target !== 'class' && p.target !== 'value') return `loss '${p.type}' needs target: 'class' or 'value'`;
  return undefined;
}

/**
 * Imports each module in `plugins:` and registers what it exports: `default` is an array of plugin
 * objects (each with a kind), or a function (registries) => void. Problems point at the entry.
 */
export async function loadPlugins(file: string, plugins: unknown, registries: Registries): Promise<Problem[]> {
  const problems: Problem[] = [];
  if (!Array.isArray(plugins)) return problems; // validate reports the wrong shape
  const paths = pluginModulePaths(file, plugins);
  for (const [i, entry] of plugins.entries()) {
    if (typeof entry !== 'string' || entry === '') continue;
    const path = paths[plugins.slice(0, i).filter((p) => typeof p === 'string' && p.length > 0).length];
    const at = ['plugins', i];
    const info = await stat(path).catch(() => undefined);
    if (!info) {
      problems.push({ path: at, message: `plugin module not found: ${path}` });
      continue;
    }
    // Importing a directory fails; importing a device or a named pipe could wait forever.
    if (!info.isFile()) {
      problems.push({ path: at, message: `plugin module ${entry} is not a file (${info.isDirectory() ? 'a directory' : 'a device, pipe or socket'}): ${path}` });
      continue;
    }
    let module: { default?: unknown };
    try {
      module = await import(pathToFileURL(path).href);
    } catch (error) {
      problems.push({ path: at, message: `plugin module ${entry} failed to load: ${firstLine(error)}` });
      continue;
    }
    const exported = module.default;
    if (typeof exported === 'function') {
      try {
        await exported(registries);
      } catch (error) {
        problems.push({ path: at, message: `plugin module ${entry} threw while registering: ${firstLine(error)}` });
      }
    } else if (Array.isArray(exported)) {
      for (const [j, plugin] of exported.entries()) {
        const why = malformed(plugin, registries);
        if (why) {
          problems.push({ path: at, message: `plugin module ${entry}, export default[${j}]: ${why}` });
          continue;
        }
        const p = plugin as { kind: PluginKindName };
        (registries[KIND_REGISTRY[p.kind]] as { register(x: unknown): unknown }).register(plugin);
      }
    } else {
      problems.push({ path: at, message: `plugin module ${entry} must export default an array of plugins or a function (registries) => void (got ${describe(exported)})` });
    }
  }
  return problems;
}

const firstLine = (error: unknown) => (error instanceof Error ? error.message : String(error)).split('\n')[0];

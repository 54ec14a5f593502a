import { dirname, isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { stat } from 'node:fs/promises';
import type { Registries, RegistryKind } from './index.js';
import type { PluginKindName } from './kinds.js';
import { describe, UserError, type Problem } from '../util/errors.js';
import { schemaProblem } from '../util/ajv.js';
import { registriesFacade, RejectedPlugin } from './modules-facade.js';

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

/** The plugin kind of each registry (a facade's register implies it). */
const KIND_NAME = Object.fromEntries(Object.entries(KIND_REGISTRY).map(([name, registry]) => [registry, name])) as Record<RegistryKind, PluginKindName>;

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

/** Why a plugin object is malformed, or undefined when it is fine; `registeredAs` is the kind a facade's register implies. */
function malformed(plugin: unknown, registries: Registries, registeredAs?: PluginKindName): string | undefined {
  if (plugin === null || typeof plugin !== 'object') return `a plugin must be an object, not ${describe(plugin)}`;
  const p = plugin as Record<string, unknown>;
  const kinds = Object.keys(KIND_REGISTRY);
  const name = typeof p.type === 'string' ? `'${p.type}' ` : '';
  if (registeredAs !== undefined && p.kind !== undefined && p.kind !== registeredAs) {
    return `plugin ${name}says kind: ${describe(p.kind)} but was registered with registries.${KIND_REGISTRY[registeredAs]}.register; register it with its own kind's registry`;
  }
  const kindOf = registeredAs ?? p.kind;
  if (typeof kindOf !== 'string' || !(kindOf in KIND_REGISTRY)) return `plugin ${name}needs kind: one of ${kinds.join(', ')} (got ${describe(p.kind)})`;
  const kind = kindOf as PluginKindName;
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
  if (kind === 'metric' && (typeof p.key !== 'string' || !/^[a-z][A-Za-z0-9]*$/.test(p.key) || /^(test|val|train)[A-Z]/.test(p.key))) {
    return `metric '${p.type}' needs key: its name without a split, like 'ssim' (recorded as testSsim, valSsim), got ${describe(p.key)}`;
  }
  return undefined;
}

/** How long a plugin module may take to load (and its function to run): TRAINYARD_PLUGIN_TIMEOUT_MS, else 30 s. */
export function pluginTimeoutMs(env: NodeJS.ProcessEnv = process.env): number {
  const text = env.TRAINYARD_PLUGIN_TIMEOUT_MS;
  if (text === undefined || text.trim() === '') return DEFAULT_TIMEOUT_MS;
  const ms = Number(text);
  if (!Number.isFinite(ms) || ms <= 0) throw new UserError(`TRAINYARD_PLUGIN_TIMEOUT_MS must be a positive number of milliseconds (got '${text}'); unset it for the default of 30000`);
  return ms;
}

const DEFAULT_TIMEOUT_MS = 30_000;
const TIMED_OUT = Symbol('timed out');
const seconds = (ms: number) => `${Number((ms / 1000).toFixed(3))} s`;

/**
 * `work`'s outcome, or TIMED_OUT after `ms`. The timer also keeps the process alive: a module whose
 * top-level await never settles would otherwise leave nothing to run, and Node would end the CLI
 * with exit code 13 and no message.
 */
async function within<T>(work: Promise<T>, ms: number): Promise<T | typeof TIMED_OUT> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<typeof TIMED_OUT>((resolve) => (timer = setTimeout(() => resolve(TIMED_OUT), ms)));
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Collects the promise rejections nothing handles from now until a tick after stop() (Node reports
 * them after the microtasks that made them): a module's top-level `Promise.reject(...)` would
 * otherwise end the process with a raw stack trace.
 */
function watchRejections(): { stop(): Promise<unknown[]> } {
  const seen = new Map<Promise<unknown>, unknown>();
  // Keyed by promise: a test runner's own listener may emit the same rejection again.
  const listener = (reason: unknown, promise: Promise<unknown>) => void seen.set(promise, reason);
  process.on('unhandledRejection', listener);
  return {
    async stop() {
      await new Promise((resolve) => setImmediate(resolve));
      process.off('unhandledRejection', listener);
      return [...seen.values()];
    },
  };
}

export interface LoadPluginsOptions {
  /** How long a module may take to load; default pluginTimeoutMs(). */
  timeoutMs?: number;
}

/**
 * Imports each module in `plugins:` and registers what it exports: `default` is an array of plugin
 * objects (each with a kind), or a function (registries) => void, which gets a frozen facade of the
 * registries. Problems point at the entry; a module that never finishes loading is one too.
 */
export async function loadPlugins(file: string, plugins: unknown, registries: Registries, options: LoadPluginsOptions = {}): Promise<Problem[]> {
  const problems: Problem[] = [];
  if (!Array.isArray(plugins)) return problems; // validate reports the wrong shape
  const timeoutMs = options.timeoutMs ?? pluginTimeoutMs();
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
    const messages = await loadModule(path, entry, registries, timeoutMs);
    problems.push(...messages.map((message) => ({ path: at, message })));
  }
  return problems;
}

/**
 * Why modules failed to load that Node will not evaluate again (it caches a module by URL): a
 * rejection nothing handled happens only the first time, so a later experiment in this process
 * (validate a.yaml b.yaml) must hear of it from here.
 */
const failedLoads = new Map<string, string>();

/** Imports one module and registers what it exports; returns what went wrong. */
async function loadModule(path: string, entry: string, registries: Registries, timeoutMs: number): Promise<string[]> {
  const url = pathToFileURL(path).href;
  const failed = failedLoads.get(url);
  if (failed !== undefined) return [`plugin module ${entry} failed to load: ${failed}`];
  const loading = watchRejections();
  let module: { default?: unknown } | typeof TIMED_OUT;
  try {
    module = await within(importModule(path, url), timeoutMs);
  } catch (error) {
    await loading.stop();
    return [`plugin module ${entry} failed to load: ${loadError(error)}`];
  }
  const [rejected] = await loading.stop();
  if (module === TIMED_OUT) return [`plugin module ${entry} did not finish loading within ${seconds(timeoutMs)} (a top-level await that never settles?)`];
  if (rejected !== undefined) {
    failedLoads.set(url, `a promise was rejected and nothing handled it: ${firstLine(rejected)}`);
    return [`plugin module ${entry} failed to load: ${failedLoads.get(url)}`];
  }
  const exported = module.default;
  if (typeof exported === 'function') return callRegisteringFunction(exported as (registries: unknown) => unknown, entry, registries, timeoutMs);
  if (!Array.isArray(exported)) {
    return [`plugin module ${entry} must export default an array of plugins or a function (registries) => void (got ${describe(exported)})`];
  }
  const problems: string[] = [];
  for (const [j, plugin] of exported.entries()) {
    const why = malformed(plugin, registries);
    if (why) {
      problems.push(`plugin module ${entry}, export default[${j}]: ${why}`);
      continue;
    }
    const p = plugin as { kind: PluginKindName };
    (registries[KIND_REGISTRY[p.kind]] as { register(x: unknown): unknown }).register(plugin);
  }
  return problems;
}

/** Runs a module's function (registries) => void on a facade of the registries. */
async function callRegisteringFunction(fn: (registries: unknown) => unknown, entry: string, registries: Registries, timeoutMs: number): Promise<string[]> {
  const problems: string[] = [];
  const { facade, close } = registriesFacade(registries, {
    check: (kind, plugin) => malformed(plugin, registries, KIND_NAME[kind]),
    reject: (kind, why) => problems.push(`plugin module ${entry}, registries.${kind}.register(): ${why}`),
  });
  const running = watchRejections();
  let outcome: unknown;
  try {
    outcome = await within(Promise.resolve().then(() => fn(facade)), timeoutMs);
  } catch (error) {
    // A rejected plugin is reported as such, not again as the error that stopped the function.
    if (!(error instanceof RejectedPlugin)) problems.push(`plugin module ${entry} threw while registering: ${firstLine(error)}`);
  } finally {
    close();
  }
  const [rejected] = await running.stop();
  if (outcome === TIMED_OUT) problems.push(`plugin module ${entry}: its function did not finish registering within ${seconds(timeoutMs)} (a promise that never settles?)`);
  else if (rejected !== undefined) problems.push(`plugin module ${entry} threw while registering: a promise was rejected and nothing handled it: ${firstLine(rejected)}`);
  return problems;
}

const TYPESCRIPT = /\.(ts|mts|cts|tsx)$/i;

/**
 * A module's namespace. TypeScript goes through tsx (esbuild strips the types; no build step, no
 * tsconfig needed); a .ts file in a CommonJS package comes back with its exports under `default`.
 */
async function importModule(path: string, url: string): Promise<{ default?: unknown }> {
  if (!TYPESCRIPT.test(path)) return (await import(url)) as { default?: unknown };
  const { tsImport } = await import('tsx/esm/api');
  const module = (await tsImport(url, import.meta.url)) as { default?: unknown };
  const inner = module.default as { default?: unknown } | undefined;
  const wrapped = inner !== null && typeof inner === 'object' && !Array.isArray(inner) && 'default' in inner && Object.keys(inner).every((k) => k === 'default' || k === '__esModule');
  return wrapped ? { default: inner.default } : module;
}

/** What went wrong importing a module: a syntax error esbuild found is given as FILE:LINE:COL and its message. */
function loadError(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  const located = /^(.+?):(\d+):(\d+): ERROR: (.*)$/m.exec(text);
  // esbuild counts columns from 0; FILE:LINE:COL counts both from 1, as editors do.
  if (located && text.startsWith('Transform failed')) return `${located[1]}:${located[2]}:${Number(located[3]) + 1}: ${located[4]}`;
  return firstLine(error);
}

const firstLine = (error: unknown) => (error instanceof Error ? error.message : String(error)).split('\n')[0];

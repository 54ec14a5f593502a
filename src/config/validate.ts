import { UnknownNameError, type JsonSchema } from '../registry/registry.js';
import { KIND_NOUNS, type Registries, type RegistryKind } from '../registry/index.js';
import { check } from '../util/ajv.js';
import { describe, ProblemsError, type Path, type Problem } from '../util/errors.js';
import { DATASET_SPEC_KEYS, experimentShape, LAYER_SPEC_KEYS, looseRef, OPTIMIZER_SPEC_KEYS } from './experiment-schema.js';
import type { ExperimentInput } from './types.js';

const structure = experimentShape(looseRef);

/** Every plugin slot of an experiment, with its kind and the keys a spec has besides params. */
export function pluginSlots(data: Record<string, unknown>): { kind: RegistryKind; path: Path; value: unknown; extraKeys: string[] }[] {
  const slots: { kind: RegistryKind; path: Path; value: unknown; extraKeys: string[] }[] = [];
  const add = (kind: RegistryKind, path: Path, value: unknown, extraKeys: string[] = []) => {
    if (value !== undefined) slots.push({ kind, path, value, extraKeys });
  };
  const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
  const spec = (v: unknown): Record<string, unknown> => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {});
  add('datasets', ['dataset'], data.dataset, DATASET_SPEC_KEYS);
  list(spec(data.dataset).transforms).forEach((t, i) => add('transforms', ['dataset', 'transforms', i], t));
  const model = data.model as { layers?: unknown } | undefined;
  list(model?.layers).forEach((layer, i) => add('layers', ['model', 'layers', i], layer, LAYER_SPEC_KEYS));
  add('losses', ['loss'], data.loss);
  list(data.optimizers).forEach((o, i) => {
    add('optimizers', ['optimizers', i], o, OPTIMIZER_SPEC_KEYS);
    // A schedule may chain another under `then` (linearWarmup): each link is a schedule spec of its own.
    for (let path: Path = ['optimizers', i, 'schedule'], s = spec(o).schedule; s !== undefined; path = [...path, 'then'], s = spec(s).then) {
      add('schedules', path, s);
    }
  });
  list(data.metrics).forEach((spec, i) => add('metrics', ['metrics', i], spec));
  add('backends', ['backend'], data.backend);
  return slots;
}

/** The params part of a spec: everything but type and the slot's own keys (name). */
export function paramsOf(value: unknown, extraKeys: string[]): Record<string, unknown> {
  if (typeof value === 'string') return {};
  const { type: _type, ...rest } = value as Record<string, unknown>;
  for (const key of extraKeys) delete rest[key];
  return rest;
}

function findNonFinite(value: unknown, path: (string | number)[], out: Problem[]): void {
  if (typeof value === 'number' && Number.isNaN(value)) {
    out.push({ path, message: 'must be a number (got .nan, which YAML reads as "not a number")' });
  } else if (typeof value === 'number' && !Number.isFinite(value)) {
    out.push({ path, message: `must be a finite number (got ${value}; YAML reads numbers this large as infinity)` });
  } else if (Array.isArray(value)) {
    value.forEach((v, i) => findNonFinite(v, [...path, i], out));
  } else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) findNonFinite(v, [...path, k], out);
  }
}

/**
 * Checks the experiment's shape, then each plugin reference against its registry and its own
 * params schema. Pure: reads nothing, changes nothing. Throws ProblemsError with every problem.
 */
export function validate(data: unknown, registries: Registries): ExperimentInput {
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    throw new ProblemsError([
      { path: [], message: `an experiment must be a mapping of keys (name, dataset, model, loss, optimizers, ...), not ${describe(data)}` },
    ]);
  }
  const problems: Problem[] = [];
  findNonFinite(data, [], problems);
  // Every other shape problem too, but none more about a value already reported as infinite.
  const infinite = [...problems];
  problems.push(...check(structure, data, { at: [], keyNoun: 'key' }).filter((p) => !infinite.some((q) => isWithin(p.path, q.path))));
  for (const slot of pluginSlots(data as Record<string, unknown>)) {
    if (problems.some((p) => isWithin(p.path, slot.path))) continue;
    problems.push(...checkSpec(registries, slot.kind, slot.path, slot.value, slot.extraKeys));
  }
  if (problems.length > 0) throw new ProblemsError(problems);
  return data as ExperimentInput;
}

const isWithin = (path: Path, prefix: Path) => prefix.every((s, i) => path[i] === s);

function checkSpec(registries: Registries, kind: RegistryKind, path: Path, value: unknown, extraKeys: string[]): Problem[] {
  const type = typeof value === 'string' ? value : String((value as { type: unknown }).type);
  const typePath = typeof value === 'string' ? path : [...path, 'type'];
  let plugin;
  try {
    plugin = registries[kind].get(type);
  } catch (error) {
    if (error instanceof UnknownNameError) return [{ path: typePath, message: error.message }];
    throw error;
  }
  const params = paramsOf(value, extraKeys);
  if (typeof value === 'string' && plugin.params.required?.length) {
    return [{ path, message: `${KIND_NOUNS[kind]} '${type}' needs ${plugin.params.required.join(', ')}; write it as {type: ${type}, ${plugin.params.required.map((r) => `${r}: ...`).join(', ')}}` }];
  }
  return check(plugin.params as unknown as JsonSchema, params, { at: path, keyNoun: 'parameter', owner: `${KIND_NOUNS[kind]} '${type}'` });
}

import type { JsonSchema } from '../registry/registry.js';
import { type Registries, type RegistryKind } from '../registry/index.js';
import { ProblemsError, type Path, type Problem } from './errors.js';
import { experimentShape, looseRef } from './experiment-schema.js';
import { paramsOf, pluginSlots } from './validate.js';
import type { Experiment, ExperimentInput, OptimizerSpec, PluginSpec } from './types.js';
import { slug } from '../util/slug.js';

const shape = experimentShape(looseRef) as { properties: Record<string, JsonSchema & { default?: unknown; properties?: Record<string, JsonSchema> }> };

const clone = <T>(value: T): T => structuredClone(value);

/** Each property's default from a schema's properties, for the keys the input leaves out. */
function withDefaults(properties: Record<string, JsonSchema>, given: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, schema] of Object.entries(properties)) {
    if (key in given) out[key] = clone(given[key]);
    else if ('default' in schema) out[key] = clone(schema.default);
  }
  for (const [key, value] of Object.entries(given)) if (!(key in out)) out[key] = clone(value);
  return out;
}

/** {type, ...params with defaults}; checks the plugin's cross-field constraints. */
function normalizeSpec(registries: Registries, kind: RegistryKind, path: Path, value: unknown, extraKeys: string[], problems: Problem[]): PluginSpec {
  const type = typeof value === 'string' ? value : (value as PluginSpec).type;
  const plugin = registries[kind].get(type);
  const params = withDefaults(plugin.params.properties, paramsOf(value, extraKeys));
  for (const problem of plugin.check?.(params) ?? []) {
    problems.push({ path: problem.path ? [...path, ...problem.path.split('.')] : path, message: problem.message });
  }
  const extras: Record<string, unknown> = {};
  if (typeof value !== 'string') for (const key of extraKeys) if (key in (value as object)) extras[key] = (value as Record<string, unknown>)[key];
  return { ...extras, type, ...params };
}

/**
 * Fills every default and turns every plugin reference into {type, ...params}. Pure: the input is
 * not changed (tests pass it deep-frozen). Throws ProblemsError for cross-field problems.
 */
export function normalize(input: ExperimentInput, registries: Registries): Experiment {
  const problems: Problem[] = [];
  const top = withDefaults(shape.properties, input as unknown as Record<string, unknown>);
  top.training = withDefaults(shape.properties.training.properties ?? {}, (input.training ?? {}) as Record<string, unknown>);
  top.model = { layers: [] };

  const specs = new Map<string, PluginSpec>();
  const slots = pluginSlots({ ...(input as unknown as Record<string, unknown>), metrics: top.metrics, backend: top.backend });
  for (const slot of slots) specs.set(slot.path.join('/'), normalizeSpec(registries, slot.kind, slot.path, slot.value, slot.extraKeys, problems));
  const spec = (...path: (string | number)[]) => specs.get(path.join('/')) as PluginSpec;

  const experiment: Experiment = {
    name: input.name,
    description: top.description as string,
    plugins: top.plugins as string[],
    dataset: spec('dataset'),
    model: { layers: input.model.layers.map((_, i) => spec('model', 'layers', i)) },
    loss: spec('loss'),
    optimizers: input.optimizers.map((_, i) => {
      const s = spec('optimizers', i);
      return { ...s, name: (s.name as string | undefined) ?? s.type } as OptimizerSpec;
    }),
    metrics: (top.metrics as unknown[]).map((_, i) => spec('metrics', i)),
    training: top.training as Experiment['training'],
    seeds: top.seeds as number[],
    backend: spec('backend'),
  };
  // Move name first for readability of plan.json.
  experiment.optimizers = experiment.optimizers.map(({ name, ...rest }) => ({ name, ...rest }));

  const seen = new Map<string, number>();
  experiment.optimizers.forEach((o, i) => {
    const key = slug(o.name);
    const first = seen.get(key);
    if (first === undefined) {
      seen.set(key, i);
      return;
    }
    const firstName = experiment.optimizers[first].name;
    const path = typeof input.optimizers[i] === 'string' ? ['optimizers', i] : ['optimizers', i, (input.optimizers[i] as { name?: string }).name !== undefined ? 'name' : 'type'];
    problems.push({
      path,
      message:
        firstName === o.name
          ? `duplicate optimizer name '${o.name}' (also optimizers[${first}]); give each a different name`
          : `optimizer name '${o.name}' names the same trials as '${firstName}' (optimizers[${first}]): both become '${key}'; give each a different name`,
    });
  });
  if (problems.length > 0) throw new ProblemsError(problems);
  return experiment;
}


import { DEFAULT_METRICS, resolveTask } from './task.js';
import type { JsonSchema } from '../registry/registry.js';
import { type Registries, type RegistryKind } from '../registry/index.js';
import { figureName } from '../registry/kinds.js';
import { ProblemsError, type Path, type Problem } from '../util/errors.js';
import { datasetSpecKeys, experimentShape, looseRef, MAX_SEED } from './experiment-schema.js';
import { paramsOf, pluginSlots } from './validate.js';
import type { EarlyStopping, Experiment, ExperimentInput, OptimizerSpec, PluginSpec } from './types.js';
import { slug } from '../util/slug.js';
import { defaultMode } from '../util/direction.js';
import type { SweepSpec } from './sweep.js';

/** A list of seeds, or {count, start}: start, start + 1, ... */
export function seedList(seeds: ExperimentInput['seeds']): number[] {
  if (seeds === undefined) return [0];
  if (Array.isArray(seeds)) return [...seeds];
  const start = seeds.start ?? 0;
  return Array.from({ length: seeds.count }, (_, i) => start + i);
}

const shape = experimentShape(looseRef) as { properties: Record<string, JsonSchema & { default?: unknown; properties?: Record<string, JsonSchema> }> };

const clone = <T>(value: T): T => structuredClone(value);

type Properties = { properties: Record<string, JsonSchema> };
const validationSchema = datasetSpecKeys(looseRef).validation as Properties;
const earlyStoppingSchema = (shape.properties.training.properties as Record<string, JsonSchema>).earlyStopping as Properties;

/** The epoch figures a run records: trainLoss, each metric's key, and their val* twins with validation. */
export function epochFigures(experiment: Experiment, registries: Registries): string[] {
  const keys = experiment.metrics.map((m) => registries.metrics.get(m.type).key);
  const validation = experiment.dataset.validation ? keys.map((k) => figureName('val', k)) : [];
  return ['trainLoss', ...keys.map((k) => figureName('test', k)), ...validation];
}

/** Early stopping and plateau schedules must watch a figure the run records. */
function checkWatchedFigures(experiment: Experiment, registries: Registries, problems: Problem[], selectGiven = false): void {
  const figures = epochFigures(experiment, registries);
  const check = (metric: unknown, path: Path) => {
    if (typeof metric === 'string' && !figures.includes(metric)) {
      problems.push({ path, message: `'${metric}' is not a figure this run records (it records: ${figures.join(', ')})` });
    }
  };
  if (experiment.training.earlyStopping) check(experiment.training.earlyStopping.metric, ['training', 'earlyStopping', 'metric']);
  if (experiment.select && selectGiven) check(experiment.select.metric, ['select', 'metric']);
  if (experiment.targets) check(experiment.targets.metric, ['targets', 'metric']);
  experiment.optimizers.forEach((o, i) => check(o.schedule?.metric, ['optimizers', i, 'schedule', 'metric']));
}

const experimentHasValidation = (input: ExperimentInput): boolean => typeof input.dataset === 'object' && (input.dataset as Record<string, unknown>).validation !== undefined;

/** sweep (random draws seeded 0 by default), select (default: on validation, when there is a split), targets, report. */
function studyKeys(input: ExperimentInput, validation: boolean): Pick<Experiment, 'sweep' | 'select' | 'targets' | 'report'> {
  const out: Pick<Experiment, 'sweep' | 'select' | 'targets' | 'report'> = { report: { band: input.report?.band ?? 'ci95' } };
  if (input.sweep) {
    const sweep = clone(input.sweep) as SweepSpec;
    if (sweep.random) sweep.random = { ...sweep.random, seed: sweep.random.seed ?? 0 };
    out.sweep = sweep;
  }
  if (input.select) out.select = { metric: input.select.metric, mode: input.select.mode ?? defaultMode(input.select.metric) };
  else if (input.sweep && validation) out.select = { metric: 'valAccuracy', mode: 'max' };
  if (input.targets) out.targets = { metric: input.targets.metric, values: [...input.targets.values], mode: input.targets.mode ?? defaultMode(input.targets.metric) };
  return out;
}

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
  const task = resolveTask(input, registries, problems);
  top.metrics ??= DEFAULT_METRICS[task];
  top.training = withDefaults(shape.properties.training.properties ?? {}, (input.training ?? {}) as Record<string, unknown>);
  top.limits = withDefaults(shape.properties.limits.properties ?? {}, (input.limits ?? {}) as Record<string, unknown>);
  top.model = { layers: [] };

  const specs = new Map<string, PluginSpec>();
  const slots = pluginSlots({ ...(input as unknown as Record<string, unknown>), metrics: top.metrics, backend: top.backend });
  for (const slot of slots) specs.set(slot.path.join('/'), normalizeSpec(registries, slot.kind, slot.path, slot.value, slot.extraKeys, problems));
  const spec = (...path: (string | number)[]) => specs.get(path.join('/')) as PluginSpec;

  const { transforms: _t, validation, ...datasetSpec } = spec('dataset');
  const datasetInput = typeof input.dataset === 'string' ? {} : (input.dataset as Record<string, unknown>);
  const experiment: Experiment = {
    name: input.name,
    description: top.description as string,
    plugins: top.plugins as string[],
    dataset: {
      ...datasetSpec,
      transforms: ((datasetInput.transforms as unknown[] | undefined) ?? []).map((_, i) => spec('dataset', 'transforms', i)),
      ...(validation ? { validation: withDefaults(validationSchema.properties, validation as Record<string, unknown>) as { fraction: number; seed: number } } : {}),
    },
    model: { layers: input.model.layers.map((_, i) => spec('model', 'layers', i)), ...(input.model.init ? { init: clone(input.model.init) } : {}) },
    loss: spec('loss'),
    optimizers: input.optimizers.map((_, i) => {
      const s = spec('optimizers', i);
      const scheduleAt = (path: (string | number)[]): PluginSpec | undefined => {
        const found = specs.get(path.join('/'));
        const then = found && scheduleAt([...path, 'then']);
        return found && (then ? { ...found, then } : found);
      };
      const schedule = scheduleAt(['optimizers', i, 'schedule']);
      return { ...s, name: (s.name as string | undefined) ?? s.type, ...(schedule ? { schedule } : {}) } as OptimizerSpec;
    }),
    metrics: (top.metrics as unknown[]).map((_, i) => spec('metrics', i)),
    task,
    training: top.training as Experiment['training'],
    seeds: seedList(input.seeds),
    ...studyKeys(input, experimentHasValidation(input)),
    backend: spec('backend'),
    limits: top.limits as Experiment['limits'],
  };
  const stopping = experiment.training.earlyStopping;
  if (stopping) {
    const filled = withDefaults(earlyStoppingSchema.properties, stopping as unknown as Record<string, unknown>) as unknown as EarlyStopping;
    filled.mode ??= /accuracy/i.test(filled.metric) ? 'max' : 'min';
    experiment.training = { ...experiment.training, earlyStopping: filled };
  }
  // The default selection watches what the run records: valAccuracy, else valLoss.
  if (experiment.select && !input.select && !epochFigures(experiment, registries).includes('valAccuracy')) experiment.select = { metric: 'valLoss', mode: 'min' };
  checkWatchedFigures(experiment, registries, problems, input.select !== undefined);
  const lastSeed = experiment.seeds.at(-1)!;
  if (!Array.isArray(input.seeds) && input.seeds && lastSeed > MAX_SEED) {
    problems.push({ path: ['seeds', 'count'], message: `the seeds would run to ${lastSeed}, past the largest seed (${MAX_SEED}); lower seeds.start or seeds.count` });
  }
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


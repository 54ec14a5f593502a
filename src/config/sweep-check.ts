// The checks of a study's seeds and sweep, each problem at the line that causes it: a path that is
// not a key path or names nothing, a value the plugin's params refuse (every value is validated as
// if the file said it), a study larger than limits.maxTrials. Pure.
import type { Registries } from '../registry/index.js';
import { formatPath, ProblemsError, type Path, type Problem } from '../util/errors.js';
import { normalize } from './normalize.js';
import { parseSweepPath, sweepPoints, trialPoints, type Distribution, type SweepSpec } from './sweep.js';
import type { Experiment, ExperimentInput } from './types.js';
import { pluginSlots, validate } from './validate.js';

/** Where the sweep names a path, and each value it gives that path (document paths, for locating problems). */
export interface SweepEntry {
  path: string;
  at: Path;
  values: { value: unknown; at: Path }[];
}

export function sweepEntries(sweep: SweepSpec): SweepEntry[] {
  const entries = new Map<string, SweepEntry>();
  const add = (path: string, at: Path, value: unknown, valueAt: Path) => {
    let entry = entries.get(path);
    if (!entry) entries.set(path, (entry = { path, at, values: [] }));
    entry.values.push({ value, at: valueAt });
  };
  for (const [path, values] of Object.entries(sweep.grid ?? {})) values.forEach((v, j) => add(path, ['sweep', 'grid', path], v, ['sweep', 'grid', path, j]));
  (sweep.list ?? []).forEach((point, i) => Object.entries(point).forEach(([path, v]) => add(path, ['sweep', 'list', i, path], v, ['sweep', 'list', i, path])));
  for (const [path, d] of Object.entries(sweep.random?.params ?? {})) {
    const at: Path = ['sweep', 'random', 'params', path];
    const [form, values] = Object.entries(d as Distribution)[0] ?? [];
    if (form === undefined) entries.set(path, { path, at, values: [] });
    else (values as unknown[]).forEach((v, j) => add(path, at, v, [...at, form, j]));
  }
  return [...entries.values()];
}

/** The first steps a sweep may change: not the dataset (loaded once for every trial), not the study's own keys. */
const SWEEPABLE = new Set(['optimizers', 'training', 'model', 'loss']);

function pathProblem(steps: (string | number)[], input: ExperimentInput): string | undefined {
  const first = String(steps[0]);
  if (first === 'dataset') return 'a sweep cannot change the dataset: the data is loaded once for every trial; run one experiment per dataset setting';
  if (first === 'seeds') return 'a sweep cannot change the seeds: give them under seeds: ({count: 5} or a list)';
  if (!SWEEPABLE.has(first)) return `a sweep can change optimizers, training, model and loss, not '${first}'`;
  const star = steps.indexOf('*');
  if (star >= 0 && !(first === 'optimizers' && star === 1)) return "[*] means every optimizer (optimizers[*].lr); name any other list item by its index";
  if (steps.length < 2) return `name a value inside ${first} (e.g. ${first === 'optimizers' ? 'optimizers[*].lr' : first === 'training' ? 'training.batchSize' : 'model.layers[1].units'})`;
  if (first === 'optimizers' && typeof steps[1] === 'number' && steps[1] >= input.optimizers.length) {
    return `the experiment has ${input.optimizers.length} optimizer${input.optimizers.length === 1 ? '' : 's'}: optimizers[0] to optimizers[${input.optimizers.length - 1}]`;
  }
  return undefined;
}

/**
 * A copy of the input with `value` at `path`: a plugin given by bare name becomes {type: NAME} so
 * that one of its params can be set, and a mapping that is missing is created. Undefined with the
 * reason when the path runs past a list's end or into a single value.
 */
function withValue(input: ExperimentInput, path: (string | number)[], value: unknown): { data?: ExperimentInput; why?: string } {
  const data = structuredClone(input) as unknown as Record<string | number, unknown>;
  const slots = new Set(pluginSlots(data as Record<string, unknown>).map((s) => formatPath(s.path)));
  let current = data;
  for (let i = 0; i < path.length - 1; i++) {
    const step = path[i]!;
    const here = formatPath(path.slice(0, i + 1));
    let next = current[step];
    if (Array.isArray(current) && (typeof step !== 'number' || step >= current.length)) return { why: `${formatPath(path.slice(0, i))} has ${current.length} items` };
    if (typeof next === 'string' && slots.has(here)) current[step] = next = { type: next };
    if (next === undefined && !Array.isArray(current)) current[step] = next = {};
    if (next === null || typeof next !== 'object') return { why: `${here} is a single value, not a mapping or a list` };
    current = next as Record<string | number, unknown>;
  }
  if (Array.isArray(current) && (typeof path.at(-1) !== 'number' || (path.at(-1) as number) >= current.length)) {
    return { why: `${formatPath(path.slice(0, -1))} has ${current.length} items` };
  }
  current[path.at(-1)!] = value;
  return { data: data as unknown as ExperimentInput };
}

/** What the pipeline would say of the file with this one value set: validation, then normalize's cross-field checks. */
function valueProblems(input: ExperimentInput, path: (string | number)[], value: unknown, registries: Registries): string[] {
  const set = withValue(input, path, value);
  if (!set.data) return [set.why!];
  try {
    normalize(validate(set.data, registries), registries);
    return [];
  } catch (error) {
    if (!(error instanceof ProblemsError)) throw error;
    return error.problems.map((p) => `${formatPath(p.path)}: ${p.message}`);
  }
}

/** Points a sweep may name before its trials are counted at all (a grid's product can be astronomically large). */
const MAX_POINTS = 1_000_000;

const count = (n: number): string => n.toLocaleString('en-US');

function sizeProblems(config: Experiment): Problem[] {
  const limit = config.limits?.maxTrials ?? 1000;
  const sweep = config.sweep;
  const where: Path = sweep ? ['sweep'] : ['seeds'];
  const product = sweep?.grid ? Object.values(sweep.grid).reduce((n, v) => n * v.length, 1) : sweep?.random ? sweep.random.count : (sweep?.list?.length ?? 1);
  if (product > MAX_POINTS) return [{ path: where, message: `names ${count(product)} points, more than ${count(MAX_POINTS)}; try fewer values (or a random sweep)` }];
  const perSeed = trialPoints(config.optimizers, sweepPoints(sweep)).length;
  const trials = perSeed * config.seeds.length;
  if (trials <= limit) return [];
  return [
    {
      path: where,
      message:
        `makes ${count(trials)} trials (${config.seeds.length} seed${config.seeds.length === 1 ? '' : 's'} x ${count(perSeed)} optimizer${sweep ? ' and sweep point' : ''} combinations), ` +
        `more than limits.maxTrials (${count(limit)}); use fewer seeds or points, or raise limits.maxTrials`,
    },
  ];
}

/** Every problem of the study's seeds and sweep; throws ProblemsError when there are any. */
export function checkStudy(input: ExperimentInput, config: Experiment, registries: Registries): void {
  const problems: Problem[] = [];
  const sweep = input.sweep;
  if (sweep) {
    const forms = Object.keys(sweep);
    if (forms.length !== 1) problems.push({ path: ['sweep'], message: `give exactly one of grid, list or random (got ${forms.length === 0 ? 'none' : forms.join(', ')})` });
    for (const [path, d] of Object.entries(sweep.random?.params ?? {})) {
      const forms = Object.keys(d);
      const at: Path = ['sweep', 'random', 'params', path];
      if (forms.length !== 1) problems.push({ path: at, message: `give exactly one of logUniform: [lo, hi], uniform: [lo, hi] or choice: [...] (got ${forms.length === 0 ? 'none' : forms.join(', ')})` });
      const range = (d as { logUniform?: number[]; uniform?: number[] }).logUniform ?? (d as { uniform?: number[] }).uniform;
      const log = 'logUniform' in d;
      if (range && !(range[0]! < range[1]!)) problems.push({ path: [...at, log ? 'logUniform' : 'uniform'], message: `needs low < high (got [${range.join(', ')}])` });
      else if (range && log && !(range[0]! > 0)) problems.push({ path: [...at, 'logUniform'], message: `needs both bounds > 0: it is uniform in log space (got [${range.join(', ')}])` });
    }
    const cache = new Map<string, string[]>();
    for (const entry of sweepEntries(sweep)) {
      const steps = parseSweepPath(entry.path);
      const bad = steps ? pathProblem(steps, input) : `'${entry.path}' is not a key path: write it as --set does, e.g. optimizers[*].lr, optimizers[1].momentum or training.batchSize`;
      if (bad) {
        problems.push({ path: entry.at, at: 'key', message: bad });
        continue;
      }
      const concrete = steps![1] === '*' ? input.optimizers.map((_, i) => [steps![0]!, i, ...steps!.slice(2)]) : [steps!];
      const found = entry.values.map(({ value }) => [
        ...new Set(
          concrete.flatMap((path) => {
            const key = JSON.stringify([path, value]);
            if (!cache.has(key)) cache.set(key, valueProblems(input, path, value, registries));
            return cache.get(key)!;
          }),
        ),
      ]);
      // What every value gets wrong is the path's fault (an unknown parameter): said once, at the path.
      const always = found.length > 1 ? found[0]!.filter((m) => found.every((f) => f.includes(m))) : [];
      for (const message of always) problems.push({ path: entry.at, at: 'key', message });
      entry.values.forEach(({ at }, i) => found[i]!.filter((m) => !always.includes(m)).forEach((message) => problems.push({ path: at, message })));
    }
  }
  if (problems.length === 0) problems.push(...sizeProblems(config));
  if (problems.length > 0) throw new ProblemsError(problems);
}

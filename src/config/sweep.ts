// Seeds and sweeps → the points a study trains, and each trial's own config. Pure: no I/O, inputs
// never changed. A path is a `--set` path (`optimizers[*].lr`, `training.batchSize`); one that names
// a single optimizer (`optimizers[1].momentum`) multiplies only that optimizer's trials.
import { Random } from '../util/random.js';
import type { Experiment, OptimizerSpec } from './types.js';

/** A value a sweep sets, keyed by its path as written ('optimizers[*].lr'). */
export type SweepPoint = Record<string, unknown>;

/** How a random sweep draws one parameter. */
export type Distribution = { logUniform: [number, number] } | { uniform: [number, number] } | { choice: unknown[] };

/** The `sweep:` key as the file gives it (one of the three forms). */
export interface SweepSpec {
  grid?: Record<string, unknown[]>;
  list?: SweepPoint[];
  random?: { count: number; seed: number; params: Record<string, Distribution> };
}

/** 'optimizers[*].lr' → ['optimizers', '*', 'lr']; undefined when it is not a key path. */
export function parseSweepPath(text: string): (string | number)[] | undefined {
  if (!/^[A-Za-z_$][\w$-]*(\[(\d+|\*)\]|\.[A-Za-z_$][\w$-]*)*$/.test(text)) return undefined;
  const path: (string | number)[] = [];
  for (const match of text.matchAll(/([A-Za-z_$][\w$-]*)|\[(\d+|\*)\]/g)) path.push(match[1] ?? (match[2] === '*' ? '*' : Number(match[2])));
  return path;
}

/** The sweep's paths in the order it names them (a list: in order of first appearance). */
export function sweepPaths(sweep: SweepSpec | undefined): string[] {
  if (!sweep) return [];
  if (sweep.grid) return Object.keys(sweep.grid);
  if (sweep.random) return Object.keys(sweep.random.params);
  return [...new Set((sweep.list ?? []).flatMap((p) => Object.keys(p)))];
}

/** A random sample, rounded to 3 significant digits (so that trial ids stay readable). */
export const round3 = (x: number): number => Number(x.toPrecision(3));

function draw(distribution: Distribution, random: Random): unknown {
  if ('choice' in distribution) return distribution.choice[random.int(distribution.choice.length)];
  if ('uniform' in distribution) {
    const [lo, hi] = distribution.uniform;
    return round3(lo + (hi - lo) * random.next());
  }
  const [lo, hi] = distribution.logUniform;
  return round3(Math.exp(Math.log(lo) + (Math.log(hi) - Math.log(lo)) * random.next()));
}

/** The sweep's points, in order: a grid's Cartesian product (the first path varies slowest), a list as given, random draws. */
export function sweepPoints(sweep: SweepSpec | undefined): SweepPoint[] {
  if (!sweep) return [{}];
  if (sweep.grid) {
    let points: SweepPoint[] = [{}];
    for (const [path, values] of Object.entries(sweep.grid)) points = points.flatMap((p) => values.map((v) => ({ ...p, [path]: v })));
    return points;
  }
  if (sweep.list) {
    const order = sweepPaths(sweep);
    return sweep.list.map((p) => Object.fromEntries(order.filter((k) => k in p).map((k) => [k, p[k]])));
  }
  const { count, seed, params } = sweep.random!;
  const random = new Random(seed);
  return Array.from({ length: count }, () => Object.fromEntries(Object.entries(params).map(([path, d]) => [path, draw(d, random)])));
}

/** Whether a path changes optimizer `index`'s trials (paths outside `optimizers` change every trial). */
export function appliesTo(path: string, index: number): boolean {
  const steps = parseSweepPath(path);
  return !steps || steps[0] !== 'optimizers' || steps[1] === '*' || steps[1] === index;
}

/** The part of a point that concerns optimizer `index`. */
export const projectPoint = (point: SweepPoint, index: number): SweepPoint => Object.fromEntries(Object.entries(point).filter(([path]) => appliesTo(path, index)));

/** A value as a trial id and a chart label show it: numbers as String(n), other values as JSON. */
export const pointValue = (value: unknown): string => (typeof value === 'string' ? value : typeof value === 'number' ? String(value) : JSON.stringify(value));

/** 'optimizers[*].lr=0.001,training.batchSize=50' (empty for no point). */
export const pointText = (point: SweepPoint | undefined): string =>
  Object.entries(point ?? {})
    .map(([path, value]) => `${path}=${pointValue(value)}`)
    .join(',');

/** Trials of one seed: every optimizer at every distinct point that concerns it. */
export function trialPoints(optimizers: readonly OptimizerSpec[], points: readonly SweepPoint[]): { index: number; point: SweepPoint }[] {
  const seen = new Set<string>();
  const out: { index: number; point: SweepPoint }[] = [];
  for (const point of points) {
    optimizers.forEach((_, index) => {
      const own = projectPoint(point, index);
      const key = `${index}/${pointText(own)}`;
      if (seen.has(key)) return;
      seen.add(key);
      out.push({ index, point: own });
    });
  }
  return out;
}

/** Sets `value` at a concrete path in a plain structure (a copy is made by the caller). */
function setAt(target: Record<string | number, unknown>, path: readonly (string | number)[], value: unknown): void {
  let current = target;
  for (const step of path.slice(0, -1)) current = current[step] as Record<string | number, unknown>;
  current[path.at(-1)!] = structuredClone(value);
}

/**
 * The config one trial trains with: the experiment with the point applied, `[*]` meaning the trial's
 * own optimizer. Paths are checked when the plan is made, so every step exists here.
 */
export function applyPoint(config: Experiment, index: number, point: SweepPoint | undefined): { config: Experiment; optimizer: OptimizerSpec } {
  if (!point || Object.keys(point).length === 0) return { config, optimizer: config.optimizers[index]! };
  const copy = structuredClone(config) as unknown as Record<string, unknown>;
  for (const [text, value] of Object.entries(point)) {
    const path = parseSweepPath(text)!;
    if (path[0] === 'optimizers' && path[1] !== '*' && path[1] !== index) continue;
    setAt(copy, path.map((s) => (s === '*' ? index : s)), value);
  }
  const out = copy as unknown as Experiment;
  return { config: out, optimizer: out.optimizers[index]! };
}

import type { Registries } from '../registry/index.js';
import type { LoadedData, Split } from '../registry/kinds.js';
import type { Experiment } from '../config/types.js';
import { dataFacts } from '../config/inspect.js';
import { Random, shuffleInPlace } from '../util/random.js';
import { sharedFloat32, sharedUint8 } from '../util/shared.js';
import { decodedSplit, rowWidth, sameKindInputs } from '../util/split-values.js';
import { stratifiedCounts } from '../util/stratify.js';

/** The rows of a split, copied into new shared arrays (coded bytes stay coded). */
function take(split: Split, rows: number[]): Split {
  const width = rowWidth(split);
  const targetWidth = split.target ? split.target.length / split.count : 0;
  const x = sameKindInputs(split, rows.length * width);
  const y = sharedUint8(rows.length);
  const target = split.target ? sharedFloat32(rows.length * targetWidth) : undefined;
  rows.forEach((row, i) => {
    x.set(split.x.subarray(row * width, (row + 1) * width), i * width);
    y[i] = split.y[row];
    target?.set(split.target!.subarray(row * targetWidth, (row + 1) * targetWidth), i * targetWidth);
  });
  return { count: rows.length, x, y, ...(split.codes ? { codes: split.codes } : {}), ...(target ? { target } : {}) };
}

/** Holds out `size` training rows, the same share of each class (seeded), keeping the rest in order. */
export function holdOut(train: Split, size: number, seed: number, classes: number): { train: Split; validation: Split } {
  const random = new Random(seed);
  const byClass = new Map<number, number[]>();
  for (let row = 0; row < train.count; row++) {
    const key = classes > 0 ? train.y[row] : 0;
    const rows = byClass.get(key);
    if (rows) rows.push(row);
    else byClass.set(key, [row]);
  }
  const groups = [...byClass.entries()].sort((a, b) => a[0] - b[0]);
  const counts = stratifiedCounts(groups.map(([, rows]) => rows.length), size);
  const held = new Set<number>();
  groups.forEach(([, rows], g) => shuffleInPlace([...rows], random).slice(0, counts[g]).forEach((r) => held.add(r)));
  const kept: number[] = [];
  const heldRows: number[] = [];
  for (let row = 0; row < train.count; row++) (held.has(row) ? heldRows : kept).push(row);
  return { train: take(train, kept), validation: take(train, heldRows) };
}

/**
 * Loads the experiment's data once (in the main thread, into shared memory for the workers):
 * the dataset plugin, then the validation hold-out, then each transform on every split.
 */
export async function loadExperimentData(config: Experiment, registries: Registries, baseDir: string): Promise<LoadedData> {
  const { type, transforms, validation, ...params } = config.dataset;
  const loaded = await registries.datasets.get(type).load(params, { baseDir });
  const facts = dataFacts(config, registries, loaded.facts);
  let splits: Record<string, Split> = { train: loaded.train, test: loaded.test };
  if (validation && facts.validationSize) {
    const { train, validation: held } = holdOut(loaded.train, facts.validationSize, validation.seed, loaded.facts.classes);
    splits = { train, validation: held, test: loaded.test };
  }
  let current = loaded.facts;
  transforms.forEach(({ type: t, ...p }, index) => {
    const plugin = registries.transforms.get(t);
    const seed = typeof p.seed === 'number' ? p.seed : 0;
    splits = Object.fromEntries(
      Object.entries(splits).map(([name, split], s) => {
        const random = new Random(seed).fork(index * 8 + s);
        const input = plugin.takesCodedInputs ? split : decodedSplit(split);
        return [name, plugin.apply(p, input, { facts: current, random: () => random.next() })];
      }),
    );
    current = plugin.facts?.(p, current) ?? current;
  });
  return { facts, train: splits.train, test: splits.test, ...(splits.validation ? { validation: splits.validation } : {}) };
}

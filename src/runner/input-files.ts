// The files besides the data that a run's numbers depend on (model.init.weights, training.order),
// by their SHA-256: recorded in plan.json by `run`, compared by `run --resume`, so that a changed
// file is not mixed into a run that began with another.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { Plan } from '../config/plan.js';

export type InputFiles = NonNullable<Plan['inputs']>;

/** The config's input files, by the key that names them, with their content's SHA-256. */
export async function inputFiles(plan: Pick<Plan, 'config' | 'experiment'>): Promise<InputFiles> {
  const named: [string, string | undefined][] = [
    ['model.init.weights', plan.config.model.init?.weights],
    ['training.order', plan.config.training.order],
  ];
  const out: InputFiles = {};
  for (const [key, path] of named) {
    if (path === undefined) continue;
    const file = resolve(dirname(plan.experiment.file), path);
    const hash = createHash('sha256');
    hash.update(await readFile(file));
    // A bundle's values are in its .bin beside the .json.
    if (key === 'model.init.weights' && file.endsWith('.json')) hash.update(await readFile(file.replace(/\.json$/, '.bin')));
    out[key] = { file, sha256: hash.digest('hex') };
  }
  return out;
}

/** How the files now differ from those a run recorded, one line each; empty when they are the same. */
export function changedInputs(recorded: InputFiles | undefined, now: InputFiles): string[] {
  if (!recorded) return [];
  return Object.entries(recorded).flatMap(([key, was]) => {
    const is = now[key];
    if (is?.sha256 === was.sha256) return [];
    return [`${key} (${was.file}) ${is ? `changed since the run began (sha256 ${was.sha256.slice(0, 12)}…, now ${is.sha256.slice(0, 12)}…)` : 'is no longer named'}`];
  });
}

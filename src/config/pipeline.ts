import { dirname, resolve } from 'node:path';
import { createRegistries, type Registries } from '../registry/index.js';
import type { DataFacts } from '../registry/kinds.js';
import { ProblemsError, type LocatedProblem } from '../util/errors.js';
import { failWith, loadFile, locate, type SourceDocument } from './load.js';
import { applyOverrides } from './overrides.js';
import { loadPlugins } from '../registry/modules.js';
import { validate } from './validate.js';
import { normalize } from './normalize.js';
import { inspect } from './inspect.js';
import { makePlan, type Plan } from './plan.js';
import { estimateMemory } from './estimate.js';
import { modelWarnings } from './warnings.js';
import type { Experiment } from './types.js';

export interface PrepareOptions {
  /** `--set PATH=VALUE` overrides (and --epochs as training.epochs=N), in order. */
  sets?: { flag: string; text: string }[];
}

export interface Prepared {
  source: SourceDocument;
  registries: Registries;
  config: Experiment;
  data: DataFacts;
  plan: Plan;
  /** What validates but is almost surely a mistake (softmax before crossEntropy, say), located like errors; print with formatWarning. */
  warnings: LocatedProblem[];
}

/** Runs a pure step; its problems come out located in the file (or at the flag that set them). */
function located<T>(source: SourceDocument, step: () => T): T {
  try {
    return step();
  } catch (error) {
    if (error instanceof ProblemsError) failWith(source, error.problems);
    throw error;
  }
}

/** load → plugins → validate → normalize → inspect → plan. Throws ConfigError / UserError for bad input. */
export async function prepare(file: string, options: PrepareOptions = {}): Promise<Prepared> {
  const source = applyOverrides(await loadFile(file), options.sets ?? []);
  const registries = createRegistries();
  const data = source.data as Record<string, unknown> | null;
  const plugins = data && typeof data === 'object' && !Array.isArray(data) ? data.plugins : undefined;
  failWith(source, await loadPlugins(file, plugins, registries));
  const input = located(source, () => validate(source.data, registries));
  const config = located(source, () => normalize(input, registries));
  const facts = await inspect(config, registries, { baseDir: dirname(resolve(file)) }).catch((error: unknown) => {
    if (error instanceof ProblemsError) failWith(source, error.problems);
    throw error;
  });
  const plan = makePlan(config, facts, {
    // Absolute, so that `run --resume` finds the data and plugins from any directory.
    file: resolve(file),
    overrides: (options.sets ?? []).map((s) => s.text),
    // As the file names them (relative to its directory): experiment.file is the one local path a plan holds.
    pluginModules: config.plugins.filter((p) => p.length > 0),
    estimates: estimateMemory(config, registries, facts),
  });
  const warnings = locate(source, modelWarnings(config, facts)).map((w): LocatedProblem => ({ ...w, severity: 'warning' }));
  return { source, registries, config, data: facts, plan, warnings };
}

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
import { availableParallelism } from 'node:os';
import { checkStudy, sweepEntries } from './sweep-check.js';
import { estimateStudy, speedBackend, studyLine, trialVariants } from './estimate-study.js';
import { memoryProblem } from './estimate.js';
import { ProblemsError as Problems, type Problem } from '../util/errors.js';

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
  /** "45 trials, about 6 minutes on wasm-blas with 3 workers": for validate and run to print before anything starts. */
  studyLine: string;
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
  located(source, () => checkStudy(input, config, registries));
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
  });
  located(source, () => checkVariants(config, registries, facts, plan.trials));
  const backend = speedBackend(registries, config.backend.type);
  const workers = defaultParallel(registries, backend, plan.trials.length);
  plan.estimates = estimateStudy(config, registries, facts, plan.trials, { parallel: effectiveParallel(registries, backend, workers) });
  const warnings = locate(source, modelWarnings(config, facts)).map((w): LocatedProblem => ({ ...w, severity: 'warning' }));
  return { source, registries, config, data: facts, plan, warnings, studyLine: studyLine(plan.estimates, backend, workers) };
}

/** Worker threads a run would start by default: as many as trials, up to what the backend says pays at once. */
export function defaultParallel(registries: Registries, backend: string, trials: number, cores = availableParallelism()): number {
  const plugin = registries.backends.has(backend) ? registries.backends.get(backend) : undefined;
  return Math.max(1, Math.min(trials, plugin?.parallelTrials?.(cores) ?? cores + 1));
}

/** Trials training at full speed at once: one a core where TF.js computes on one thread, else one on the whole machine. */
export function effectiveParallel(registries: Registries, backend: string, workers: number, cores = availableParallelism()): number {
  const plugin = registries.backends.has(backend) ? registries.backends.get(backend) : undefined;
  const perThread = (plugin?.parallelTrials?.(cores) ?? cores + 1) > 1;
  return perThread ? Math.max(1, Math.min(workers, cores)) : 1;
}

/**
 * The checks inspect makes of the file's config, for each config a sweep makes: a batch size larger
 * than the training set (at the sweep value that sets it), the memory of the largest variant.
 */
function checkVariants(config: Experiment, registries: Registries, facts: DataFacts, trials: Plan['trials']): void {
  if (!config.sweep) return;
  const problems: Problem[] = [];
  const batchValues = sweepEntries(config.sweep).filter((e) => e.path === 'training.batchSize').flatMap((e) => e.values);
  for (const { value, at } of batchValues) {
    if (typeof value === 'number' && value > facts.trainSize) {
      problems.push({ path: at, message: `training.batchSize must be at most the training-set size (got ${value}; the training set has ${facts.trainSize} samples)` });
    }
  }
  if (problems.length === 0) {
    for (const variant of trialVariants(config, trials)) {
      const problem = memoryProblem(variant.config, registries, facts, estimateMemory(variant.config, registries, facts));
      if (problem) {
        problems.push(problem);
        break;
      }
    }
  }
  if (problems.length > 0) throw new Problems(problems);
}

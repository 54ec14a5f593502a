// plan.json of a run directory, read back and checked like an experiment file: a run directory is
// data that may have been edited or damaged, and `run --resume` and `evaluate` act on it. JSON is
// YAML, so the file goes through the same parser and its problems come out at plan.json:LINE:COL.
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Registries } from '../registry/index.js';
import { ConfigError, ProblemsError, UserError, type Problem } from '../util/errors.js';
import { failWith, parseSource, type SourceDocument } from './load.js';
import { validate } from './validate.js';
import { normalize } from './normalize.js';
import { makePlan, PLAN_FORMAT_VERSION, type Plan } from './plan.js';

/** plan.json of a large sweep is far more than an experiment file, but never this much. */
const MAX_PLAN_BYTES = 64 * 1024 * 1024;

export interface PlanFile {
  path: string;
  plan: Plan;
  source: SourceDocument;
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Reads RUN/plan.json; a missing, unreadable or malformed one is a located UserError. */
export async function readPlanFile(runDir: string): Promise<PlanFile> {
  const path = join(runDir, 'plan.json');
  const info = await stat(path).catch(() => undefined);
  if (!info) throw new UserError(`${runDir}: not a run directory (it has no plan.json)`);
  if (!info.isFile()) throw new UserError(`${path}: not a regular file`);
  if (info.size > MAX_PLAN_BYTES) throw new UserError(`${path}: ${info.size} bytes is too large for a plan`);
  const text = await readFile(path, 'utf8').catch((error: Error) => {
    throw new UserError(`${path}: cannot be read (${error.message})`);
  });
  const source = parseSource(text, path);
  const data = source.data;
  const problems: Problem[] = [];
  if (!isObject(data)) throw new ConfigError([{ file: path, line: 1, col: 1, path: '', message: 'is not a trainyard plan (not a JSON object)' }]);
  if (data.formatVersion !== PLAN_FORMAT_VERSION) problems.push({ path: ['formatVersion'], message: `must be ${PLAN_FORMAT_VERSION} (this trainyard reads plans of format ${PLAN_FORMAT_VERSION})` });
  const experiment = data.experiment;
  if (!isObject(experiment) || typeof experiment.name !== 'string' || typeof experiment.file !== 'string') problems.push({ path: ['experiment'], message: 'must be {name, description, file}' });
  if (!isObject(data.config)) problems.push({ path: ['config'], message: 'must be the experiment config (a mapping)' });
  if (!isObject(data.data) || !Array.isArray(data.data.sampleShape)) problems.push({ path: ['data'], message: 'must be the data facts (sampleShape, classes, trainSize, testSize)' });
  if (!Array.isArray(data.trials)) problems.push({ path: ['trials'], message: 'must be a list of trials' });
  if (data.pluginModules !== undefined && (!Array.isArray(data.pluginModules) || !data.pluginModules.every((p) => typeof p === 'string'))) {
    problems.push({ path: ['pluginModules'], message: 'must be a list of module paths' });
  }
  failWith(source, problems);
  return { path, plan: data as unknown as Plan, source };
}

/**
 * Checks the plan's config as `trainyard validate` checks a file (the registries must hold the
 * plugins it names) and that its trials are the ones the config makes: a hand-edited plan cannot
 * train with batchSize 0 or lead a trial id out of the run directory.
 */
export function checkPlan(file: PlanFile, registries: Registries): void {
  const { plan, source } = file;
  const inConfig = (problems: Problem[]): Problem[] => problems.map((p) => ({ ...p, path: ['config', ...p.path] }));
  let config;
  try {
    config = normalize(validate(plan.config, registries), registries);
  } catch (error) {
    if (error instanceof ProblemsError) failWith(source, inConfig(error.problems));
    throw error;
  }
  const expected = makePlan(config, plan.data, { file: plan.experiment.file, overrides: [], pluginModules: [] }).trials;
  const problems: Problem[] = [];
  plan.trials.forEach((t, i) => {
    const want = expected[i];
    if (!want || !isObject(t) || t.id !== want.id || t.name !== want.name || t.seed !== want.seed) {
      problems.push({ path: ['trials', i], message: `is not a trial of this config (expected ${want ? `'${want.id}'` : 'no trial here'}; got ${JSON.stringify(isObject(t) ? t.id : t)})` });
    }
  });
  if (plan.trials.length < expected.length) problems.push({ path: ['trials'], message: `has ${plan.trials.length} trials; the config makes ${expected.length}` });
  const trainSize = Number(plan.data.trainSize);
  if (Number.isInteger(trainSize) && config.training.batchSize > trainSize) {
    problems.push({ path: ['config', 'training', 'batchSize'], message: `must be at most the training-set size (got ${config.training.batchSize}; the training set has ${trainSize} samples)` });
  }
  failWith(source, problems);
}

// What a job carries: one trial of a run as plain JSON (its plan entry, whatever fields it has)
// and the run it belongs to (the plan without its trials: config, data facts with the fingerprint,
// backend, the plugin modules by file name and SHA-256, where records go). Nothing in a job is
// code, and a worker believes none of it: checkJob validates it as `trainyard validate` checks a
// file before anything trains.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import type { Registries } from '../../registry/index.js';
import type { DataFacts } from '../../registry/kinds.js';
import { makePlan, PLAN_FORMAT_VERSION, type DataFingerprint, type Plan, type Trial } from '../../config/plan.js';
import { validate } from '../../config/validate.js';
import { normalize } from '../../config/normalize.js';
import type { Experiment } from '../../config/types.js';
import { formatPath, ProblemsError } from '../../util/errors.js';

export const JOB_FORMAT = 1;

/** A plugin module as a job names it: the worker must have been started with this very file. */
export interface ModuleRef {
  name: string;
  sha256: string;
}

/** Where a run's workers keep checkpoints and results: in Redis, or in a directory every machine mounts. */
export type StoreKind = 'redis' | 'directory';

export interface RunSpec {
  experiment: Plan['experiment'];
  config: Experiment;
  overrides: string[];
  data: DataFacts & { fingerprint: DataFingerprint };
  backend: string;
  modules: ModuleRef[];
  store: StoreKind;
}

export interface TrialJob {
  format: number;
  runKey: string;
  run: RunSpec;
  trial: Trial;
  /** The coordinator resumes the run: the trial continues from its checkpoint. */
  resume: boolean;
}

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** A module file's name and digest. */
export async function moduleRef(path: string): Promise<ModuleRef> {
  return { name: basename(path), sha256: sha256(await readFile(path)) };
}

/** A worker's own plugin modules, as it was started with them. */
export interface WorkerModule extends ModuleRef {
  path: string;
}

export class JobRejected extends Error {}

const RUN_KEY = /^[A-Za-z0-9._-]+\/[A-Za-z0-9._-]+$/;
/** '<experiment>/<run id>': two path segments of safe characters, neither '.' nor '..' (a shared store joins it to a path). */
export const isRunKey = (key: unknown): key is string => typeof key === 'string' && RUN_KEY.test(key) && key.split('/').every((s) => s !== '.' && s !== '..');
const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
const canonical = (value: unknown): string =>
  JSON.stringify(value, (_k, v: unknown) => (isObject(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : 1))) : v));

/** Which of the job's modules this worker lacks, or has in another version, in words; undefined when it has them all. */
function missingModules(needed: readonly ModuleRef[], own: readonly WorkerModule[]): string | undefined {
  const problems = needed.flatMap((m) => {
    if (own.some((o) => o.name === m.name && o.sha256 === m.sha256)) return [];
    const other = own.find((o) => o.name === m.name);
    return other
      ? [`${m.name} in another version (the run's has sha256 ${m.sha256.slice(0, 12)}…, this worker's ${other.path} has ${other.sha256.slice(0, 12)}…)`]
      : [`${m.name} (sha256 ${m.sha256.slice(0, 12)}…), which this worker was not started with`];
  });
  if (problems.length === 0) return undefined;
  return `the trial needs plugin module ${problems.join(' and ')}: start the worker with --plugins naming the run's very file${problems.length > 1 ? 's' : ''}`;
}

export interface CheckedJob {
  runKey: string;
  run: RunSpec;
  trial: Trial;
  resume: boolean;
  /** The plan a trial trains from on this worker: the validated config, this worker's plugin modules. */
  plan: Plan;
}

/**
 * Validates a job before anything trains: its shape, the plugin modules it needs (by name and
 * SHA-256) against the worker's own, its config as `trainyard validate` would (with the worker's
 * registries), and its trial against the trials that config plans. A JobRejected says what is wrong.
 */
export function checkJob(data: unknown, registries: Registries, own: readonly WorkerModule[]): CheckedJob {
  if (!isObject(data) || data.format !== JOB_FORMAT) throw new JobRejected(`not a trainyard job of format ${JOB_FORMAT} (a different trainyard version enqueued it?)`);
  const { runKey, run, trial } = data;
  if (!isRunKey(runKey)) throw new JobRejected(`its run key ${JSON.stringify(runKey)} is not <experiment>/<run id>`);
  if (!isObject(run) || !isObject(run.experiment) || !isObject(run.data) || !isObject(run.data.fingerprint) || typeof run.backend !== 'string' || !Array.isArray(run.modules)) {
    throw new JobRejected('it does not describe its run (experiment, config, data facts with their fingerprint, backend, modules)');
  }
  if (run.store !== 'redis' && run.store !== 'directory') throw new JobRejected(`its store must be 'redis' or 'directory' (got ${JSON.stringify(run.store)})`);
  const modules = run.modules as unknown[];
  if (!modules.every((m) => isObject(m) && typeof m.name === 'string' && typeof m.sha256 === 'string')) throw new JobRejected('its modules must be {name, sha256}');
  const missing = missingModules(modules as ModuleRef[], own);
  if (missing) throw new JobRejected(missing);
  if (!registries.backends.has(run.backend)) throw new JobRejected(`its backend '${run.backend}' is not one this worker knows (valid: ${registries.backends.names().join(', ')})`);
  let config: Experiment;
  try {
    config = normalize(validate(run.config, registries), registries);
  } catch (error) {
    if (error instanceof ProblemsError) throw new JobRejected(`its config is not valid: ${error.problems.map((p) => `config.${formatPath(p.path)}: ${p.message}`).join('; ')}`);
    throw error;
  }
  const facts = run.data as unknown as RunSpec['data'];
  const planned = makePlan(config, facts, { file: String(run.experiment.file), overrides: [], pluginModules: own.map((m) => m.path) });
  const expected = isObject(trial) ? planned.trials.find((t) => t.id === trial.id) : undefined;
  if (!expected) throw new JobRejected(`its trial ${JSON.stringify(isObject(trial) ? trial.id : trial)} is not a trial of its config`);
  // Every field the plan makes must be the job's; fields added later (a resume's backends) may come along.
  for (const [key, value] of Object.entries(expected)) {
    if (canonical((trial as Record<string, unknown>)[key]) !== canonical(value)) throw new JobRejected(`its trial ${expected.id} does not match its config at '${key}'`);
  }
  if (config.training.batchSize > facts.trainSize) throw new JobRejected(`config.training.batchSize: must be at most the training-set size (got ${config.training.batchSize}; ${facts.trainSize} samples)`);
  const plan: Plan = { ...planned, formatVersion: PLAN_FORMAT_VERSION, overrides: Array.isArray(run.overrides) ? (run.overrides as string[]) : [], backend: run.backend, trials: [trial as unknown as Trial] };
  return { runKey, run: { ...(run as unknown as RunSpec), config }, trial: trial as unknown as Trial, resume: data.resume === true, plan };
}

/** The run's part of every job, from the plan the coordinator wrote to plan.json. */
export async function runSpecOf(plan: Plan, modulePaths: readonly string[], store: StoreKind): Promise<RunSpec> {
  if (!plan.data.fingerprint || !plan.backend) throw new Error('a queued run needs the data fingerprint and the backend in its plan');
  return {
    experiment: plan.experiment,
    config: plan.config,
    overrides: plan.overrides,
    data: { ...plan.data, fingerprint: plan.data.fingerprint },
    backend: plan.backend,
    modules: await Promise.all(modulePaths.map(moduleRef)),
    store,
  };
}

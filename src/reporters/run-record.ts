import { readdir, readFile, realpath, stat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { hostname } from 'node:os';
import { UserError } from '../util/errors.js';
import type { Plan } from '../config/plan.js';
import { readEventLog } from '../run-log/events-file.js';
import { foldEvents, settle } from '../run-log/fold.js';
import { lockHolder, type LockInfo } from '../run-log/lock.js';
import type { Metrics } from '../run-log/types.js';

/** Everything a report is built from: the files of a run directory, nothing else. */
export interface RunRecord {
  dir: string;
  /** The run directory's own name (UTC start time + suffix). */
  id: string;
  plan: Plan;
  metrics: Metrics;
  /** Worker threads, from the runStart event (metrics.json does not record it). */
  workers?: number;
  /** A live process is writing the run: it is shown as far as it has got. */
  inProgress?: LockInfo;
}

async function readJson<T>(path: string, what: string): Promise<T | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new UserError(`${what} cannot be read: ${(error as Error).message}`);
  }
  try {
    return JSON.parse(text) as T;
  } catch (error) {
    throw new UserError(`${what} is not valid JSON: ${(error as Error).message}`);
  }
}

/**
 * The run's metrics: the fold of its events.jsonl (metrics.json is that fold as of its last
 * write, so a killed run's log knows more); metrics.json only where the log is gone. A run
 * nobody is writing that never ended was killed: it shows as interrupted.
 */
export async function readRun(dirArg: string): Promise<RunRecord> {
  // `runs/x/latest` is a link: the report names the run it points at.
  const dir = await realpath(resolve(dirArg)).catch(() => resolve(dirArg));
  const info = await stat(dir).catch(() => undefined);
  if (!info) throw new UserError(`${dirArg}: no such directory`);
  if (!info.isDirectory()) throw new UserError(`${dirArg}: not a directory (give a run directory, e.g. runs/<experiment>/latest)`);
  const notRun = (why: string) => new UserError(`${dirArg}: not a run directory: ${why} (a run directory holds plan.json, metrics.json and events.jsonl)`);
  const plan = await readJson<Plan>(join(dir, 'plan.json'), 'plan.json');
  if (plan === undefined) throw notRun('plan.json is missing');
  if (!plan || !Array.isArray(plan.trials) || !plan.experiment) throw notRun('plan.json has no experiment or trials');
  // A run directory is data (maybe edited, maybe someone else's): what the report reads of a trial must be there.
  const bad = plan.trials.findIndex((t) => !t || typeof t !== 'object' || typeof t.id !== 'string' || typeof t.name !== 'string' || !Number.isInteger(t.seed) || !t.optimizer || typeof t.optimizer !== 'object');
  if (bad >= 0) throw notRun(`plan.json trials[${bad}] is not a trial ({id, name, optimizer, seed})`);
  let written: Metrics | undefined;
  let unreadable: UserError | undefined;
  try {
    written = await readJson<Metrics>(join(dir, 'metrics.json'), 'metrics.json');
  } catch (error) {
    unreadable = error as UserError;
  }
  const log = await readEventLog(dir).catch(() => undefined);
  let metrics: Metrics;
  if (log && log.events.length > 0) {
    metrics = foldEvents(plan, log.events);
    // Logs of trainyard before 0.2 did not carry the machine in runStart; metrics.json did.
    if (metrics.environment.node === 'unknown' && written?.environment) metrics = { ...metrics, environment: { ...written.environment, backend: metrics.environment.backend } };
  } else if (written && Array.isArray(written.trials) && written.environment) {
    metrics = written;
  } else {
    const why = unreadable ? unreadable.message : written === undefined ? 'metrics.json is missing' : 'metrics.json has no environment or trials';
    throw notRun(`${why}, and events.jsonl has no events`);
  }
  // The run's own writer builds its report at the end: its own lock is no sign of a run in progress.
  const lock = await lockHolder(dir);
  const holder = lock && !(lock.pid === process.pid && lock.host === hostname()) ? lock : undefined;
  const start = log?.events.find((e) => e.type === 'runStart');
  return {
    dir,
    id: basename(dir),
    plan,
    metrics: holder ? metrics : settle(metrics),
    workers: start?.type === 'runStart' ? start.workers : undefined,
    ...(holder ? { inProgress: holder } : {}),
  };
}

/** The reconstruction grids a run wrote: samples/<trial id>/epoch-<N>.png, for the trials the plan names. */
export async function readSampleGrids(run: Pick<RunRecord, 'dir' | 'plan'>): Promise<{ trialId: string; epoch: number; png: Buffer }[]> {
  const grids: { trialId: string; epoch: number; png: Buffer }[] = [];
  for (const { id } of run.plan.trials) {
    const dir = join(run.dir, 'samples', ...id.split('/'));
    const names = await readdir(dir).catch(() => [] as string[]);
    for (const name of names) {
      const match = /^epoch-(\d+)\.png$/.exec(name);
      if (match) grids.push({ trialId: id, epoch: Number(match[1]), png: await readFile(join(dir, name)) });
    }
  }
  return grids;
}

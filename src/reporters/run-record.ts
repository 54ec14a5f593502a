import { readFile, realpath, stat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { UserError } from '../config/errors.js';
import type { Plan } from '../config/plan.js';
import type { RunEvent } from '../runner/events.js';
import type { Metrics } from './json.js';

/** Everything a report is built from: the three files of a run directory, nothing else. */
export interface RunRecord {
  dir: string;
  /** The run directory's own name (UTC start time + suffix). */
  id: string;
  plan: Plan;
  metrics: Metrics;
  /** Worker threads, from the runStart event (metrics.json does not record it). */
  workers?: number;
}

async function readJson<T>(path: string, what: string): Promise<T> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new UserError(`${what} is missing`);
    throw error;
  }
  try {
    return JSON.parse(text) as T;
  } catch (error) {
    throw new UserError(`${what} is not valid JSON: ${(error as Error).message}`);
  }
}

/**
 * events.jsonl, tolerating a torn last line: a run killed mid-write leaves one, and the report
 * of an interrupted run is exactly when the events matter most.
 */
export function parseEvents(text: string): RunEvent[] {
  const events: RunEvent[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      events.push(JSON.parse(line) as RunEvent);
    } catch {
      // a partial line: skip it
    }
  }
  return events;
}

/**
 * metrics.json is rewritten only after each trial, so a run that was killed has epochs and
 * endings in events.jsonl that metrics.json lacks. This folds them in (without mutating the
 * input) and marks trials that never ended as interrupted.
 */
export function mergeEvents(metrics: Metrics, events: RunEvent[]): Metrics {
  const trials = metrics.trials.map((t) => ({ ...t, epochs: [...t.epochs] }));
  const byId = new Map(trials.map((t) => [t.id, t]));
  const ended = new Set<string>();
  let runEnd: Extract<RunEvent, { type: 'runEnd' }> | undefined;
  for (const event of events) {
    const trial = 'trialId' in event ? byId.get(event.trialId) : undefined;
    if (event.type === 'epochEnd' && trial && !trial.epochs.some((e) => e.epoch === event.epoch)) {
      const { type: _t, time: _time, trialId: _id, ...record } = event;
      trial.epochs.push(record);
    } else if (event.type === 'trialFailed' && trial) {
      trial.error ??= event.error;
    } else if (event.type === 'trialEnd' && trial) {
      ended.add(trial.id);
      trial.status = event.status;
      if (event.reason) trial.error ??= event.reason;
      if (event.stoppedEarly) trial.stoppedEarly ??= event.stoppedEarly;
      if (event.restoredBest) trial.restoredBest ??= event.restoredBest;
    } else if (event.type === 'runEnd') {
      runEnd = event;
    }
  }
  for (const trial of trials) trial.epochs.sort((a, b) => a.epoch - b.epoch);
  const merged: Metrics = { ...metrics, trials };
  if (metrics.status === 'running') {
    if (runEnd) Object.assign(merged, { status: runEnd.status, finishedAt: runEnd.time, seconds: runEnd.seconds });
    else merged.status = 'interrupted';
    // Without an ending a trial did not finish, whatever its provisional status says.
    for (const trial of trials) if (!ended.has(trial.id) && events.length > 0) trial.status = 'interrupted';
  }
  return merged;
}

/** Reads and checks a run directory; anything that is not one is a UserError saying why. */
export async function readRun(dirArg: string): Promise<RunRecord> {
  // `runs/x/latest` is a link: the report names the run it points at.
  const dir = await realpath(resolve(dirArg)).catch(() => resolve(dirArg));
  const info = await stat(dir).catch(() => undefined);
  if (!info) throw new UserError(`${dirArg}: no such directory`);
  if (!info.isDirectory()) throw new UserError(`${dirArg}: not a directory (give a run directory, e.g. runs/<experiment>/latest)`);
  const notRun = (why: string) => new UserError(`${dirArg}: not a run directory: ${why} (a run directory holds plan.json, metrics.json and events.jsonl)`);
  const wrap = async <T>(file: string): Promise<T> => {
    try {
      return await readJson<T>(join(dir, file), file);
    } catch (error) {
      throw error instanceof UserError ? notRun(error.message) : error;
    }
  };
  const plan = await wrap<Plan>('plan.json');
  const metrics = await wrap<Metrics>('metrics.json');
  if (!plan || !Array.isArray(plan.trials) || !plan.experiment) throw notRun('plan.json has no experiment or trials');
  if (!metrics || !Array.isArray(metrics.trials) || !metrics.environment) throw notRun('metrics.json has no environment or trials');
  const eventsText = await readFile(join(dir, 'events.jsonl'), 'utf8').catch(() => '');
  const events = parseEvents(eventsText);
  const start = events.find((e) => e.type === 'runStart');
  return {
    dir,
    id: basename(dir),
    plan,
    metrics: mergeEvents(metrics, events),
    workers: start?.type === 'runStart' ? start.workers : undefined,
  };
}


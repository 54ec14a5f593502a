// Per-trial checkpoints in <run>/checkpoints/<trial id>/: one epoch-NNNN bundle per finished
// epoch (the newest kept), and result.json once the trial is over.
import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { OptimizerState } from '../registry/kinds.js';
import { writeJsonAtomic } from '../util/atomic.js';
import { numberedDirs, readBundle, writeBundle, type NamedTensor } from './bundle.js';
import type { EpochRecord, TrialResult } from './events.js';

/** Everything needed to continue a trial exactly where an epoch ended. */
export interface CheckpointState {
  epoch: number;
  steps: number;
  cumulativeSeconds: number;
  epochs: EpochRecord[];
  random: Record<string, number>;
  schedule: unknown;
  optimizerStep: number;
  stopper?: { best: number; bestEpoch: number; waited: number };
  /** Weights, optimizer buffers (optimizer/NAME/i) and the best epoch's weights (best/i). */
  tensors: NamedTensor[];
}

type CheckpointMeta = Omit<CheckpointState, 'tensors'>;

export const trialDir = (runDir: string, trialId: string): string => join(runDir, 'checkpoints', ...trialId.split('/'));

export async function saveCheckpoint(runDir: string, trialId: string, state: CheckpointState): Promise<void> {
  const dir = trialDir(runDir, trialId);
  await mkdir(dir, { recursive: true });
  const { tensors, ...meta } = state;
  const name = `epoch-${String(state.epoch).padStart(4, '0')}`;
  await writeBundle<CheckpointMeta>(join(dir, name), 'checkpoint', meta, tensors);
  // Only the newest is needed to resume; older ones go once it is safely in place.
  for (const old of await numberedDirs(dir, 'epoch')) if (old.n < state.epoch) await rm(join(dir, old.name), { recursive: true, force: true });
}

/** The newest complete checkpoint of a trial, if any; half-written ones (a kill mid-write) are removed. */
export async function loadCheckpoint(runDir: string, trialId: string): Promise<CheckpointState | undefined> {
  const dir = trialDir(runDir, trialId);
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    if (name.endsWith('.tmp')) await rm(join(dir, name), { recursive: true, force: true });
  }
  const newest = (await numberedDirs(dir, 'epoch')).at(-1);
  if (!newest) return undefined;
  const { meta, tensors } = await readBundle<CheckpointMeta>(join(dir, newest.name), 'checkpoint');
  return { ...meta, tensors: [...tensors.values()] };
}

/** Optimizer state ↔ named tensors (null buffers are left out). */
export function optimizerTensors(state: OptimizerState): NamedTensor[] {
  return Object.entries(state.buffers).flatMap(([name, list]) =>
    list.flatMap((data, i) => (data ? [{ name: `optimizer/${name}/${i}`, shape: [data.length], data }] : [])),
  );
}

export function optimizerStateFrom(step: number, tensors: NamedTensor[], count: number): OptimizerState {
  const buffers: OptimizerState['buffers'] = {};
  for (const t of tensors) {
    const match = /^optimizer\/(.+)\/(\d+)$/.exec(t.name);
    if (!match) continue;
    buffers[match[1]] ??= new Array(count).fill(null);
    buffers[match[1]][Number(match[2])] = t.data;
  }
  return { step, buffers };
}

export async function saveResult(runDir: string, result: TrialResult): Promise<void> {
  const dir = trialDir(runDir, result.id);
  await mkdir(dir, { recursive: true });
  await writeJsonAtomic(join(dir, 'result.json'), result);
}

export async function loadResult(runDir: string, trialId: string): Promise<TrialResult | undefined> {
  try {
    return JSON.parse(await readFile(join(trialDir(runDir, trialId), 'result.json'), 'utf8')) as TrialResult;
  } catch {
    return undefined;
  }
}

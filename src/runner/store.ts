// Where trials keep what they can resume from: a checkpoint per finished epoch (the newest kept),
// result.json once a trial is over, and its final weights. Behind one interface, so that a trial
// does not care whether the store is the run directory on this machine or one shared by several.
import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { TrialResult } from '../run-log/types.js';
import { writeFileAtomic, writeJsonAtomic } from '../util/atomic.js';
import { failpoint } from '../util/failpoint.js';
import { numberedDirs, readBundle, writeBundle, type NamedTensor } from './bundle.js';
import type { CheckpointState, WeightsMeta } from './checkpoint.js';
import { encodeSafetensors, readSafetensors, type TensorToWrite } from '../util/safetensors.js';

/** The final weights as torch names them, beside weights.json in weights/<trial id>/. */
export const TORCH_WEIGHTS_FILE = 'model.safetensors';

export interface FinalWeights {
  meta: WeightsMeta;
  tensors: Map<string, NamedTensor>;
  torch?: TensorToWrite[];
}

/** Thrown for a record that exists but cannot be read: the message names the file. */
export class CorruptRecordError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CorruptRecordError';
  }
}

export interface TrialStore {
  /** The newest complete checkpoint of a trial, if any (half-written ones are removed). */
  loadCheckpoint(trialId: string): Promise<CheckpointState | undefined>;
  /** Durable when it resolves; older checkpoints of the trial go once it is. */
  saveCheckpoint(trialId: string, state: CheckpointState): Promise<void>;
  loadResult(trialId: string): Promise<TrialResult | undefined>;
  /** Durable when it resolves: from then on the trial is finished. */
  saveResult(result: TrialResult): Promise<void>;
  /** `torch`: the same weights as a torch state_dict, written beside them as model.safetensors. */
  saveFinalWeights(meta: WeightsMeta, tensors: NamedTensor[], torch?: TensorToWrite[]): Promise<void>;
  /** `torch`: the state_dict saved beside them, when there is one (a queue's coordinator copies it into the run). */
  loadFinalWeights(trialId: string): Promise<FinalWeights | undefined>;
  /** A reconstruction grid (PNG) of the trial after `epoch`; a store without a place for them has none. */
  saveSample?(trialId: string, epoch: number, png: Uint8Array): Promise<void>;
  /** Lets go of what the store holds open (a connection); a directory holds nothing. */
  close?(): Promise<void>;
}

/**
 * A store as plain data, so that a worker thread (or another process) can open the same one: a
 * directory, or Redis (a queue run without a shared directory; `url` stays in memory, never written).
 */
export type StoreSpec = { kind: 'directory'; dir: string } | { kind: 'redis'; url: string; runKey: string };

export function openStore(spec: StoreSpec): TrialStore {
  if (spec.kind === 'directory') return new DirectoryStore(spec.dir);
  // Loaded on first use: the Redis client is no cost to runs that never touch a queue.
  return lazyStore(() => import('./queue/open-redis-store.js').then((m) => m.openRedisStore(spec)));
}

function lazyStore(open: () => Promise<TrialStore>): TrialStore {
  let opened: Promise<TrialStore> | undefined;
  const store = () => (opened ??= open());
  return {
    loadCheckpoint: async (id) => (await store()).loadCheckpoint(id),
    saveCheckpoint: async (id, state) => (await store()).saveCheckpoint(id, state),
    loadResult: async (id) => (await store()).loadResult(id),
    saveResult: async (result) => (await store()).saveResult(result),
    saveFinalWeights: async (meta, tensors, torch) => (await store()).saveFinalWeights(meta, tensors, torch),
    loadFinalWeights: async (id) => (await store()).loadFinalWeights(id),
    saveSample: async (id, epoch, png) => (await store()).saveSample?.(id, epoch, png),
    close: async () => {
      if (opened) await (await opened).close?.();
    },
  };
}

const trialPath = (root: string, area: string, trialId: string): string => join(root, area, ...trialId.split('/'));

/**
 * Removes the temp directories a killed writer left in `dir` (a bundle is written beside its place,
 * then renamed): the store's writer holds the run's lock, so no live writer can be using them.
 */
async function sweepTemps(dir: string, of = ''): Promise<void> {
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    if (name.startsWith(`.${of}`) && name.endsWith('.tmp')) await rm(join(dir, name), { recursive: true, force: true });
  }
}

/** Records in a run directory: checkpoints/<trial id>/ and weights/<trial id>/. */
export class DirectoryStore implements TrialStore {
  constructor(readonly runDir: string) {}

  checkpointDir(trialId: string): string {
    return trialPath(this.runDir, 'checkpoints', trialId);
  }

  /** samples/<trial id>/epoch-<N>.png */
  async saveSample(trialId: string, epoch: number, png: Uint8Array): Promise<void> {
    const dir = trialPath(this.runDir, 'samples', trialId);
    await mkdir(dir, { recursive: true });
    await writeFileAtomic(join(dir, `epoch-${epoch}.png`), png);
  }

  weightsDir(trialId: string): string {
    return trialPath(this.runDir, 'weights', trialId);
  }

  async loadCheckpoint(trialId: string): Promise<CheckpointState | undefined> {
    const dir = this.checkpointDir(trialId);
    await sweepTemps(dir);
    const newest = (await numberedDirs(dir, 'epoch')).at(-1);
    if (!newest) return undefined;
    const { meta, tensors } = await readRecordBundle<Omit<CheckpointState, 'tensors'>>(join(dir, newest.name), 'checkpoint');
    if (!Number.isInteger(meta?.epoch) || meta.epoch !== newest.n || !Array.isArray(meta.epochs)) {
      throw new CorruptRecordError(`${join(dir, newest.name, 'checkpoint.json')}: it does not hold epoch ${newest.n}'s state: the record is damaged`);
    }
    return { ...meta, tensors: [...tensors.values()] };
  }

  async saveCheckpoint(trialId: string, state: CheckpointState): Promise<void> {
    const dir = this.checkpointDir(trialId);
    await mkdir(dir, { recursive: true });
    await sweepTemps(dir);
    const { tensors, ...meta } = state;
    await writeBundle(join(dir, `epoch-${String(state.epoch).padStart(4, '0')}`), 'checkpoint', meta, tensors, () => failpoint('checkpoint-rename'));
    for (const old of await numberedDirs(dir, 'epoch')) if (old.n < state.epoch) await rm(join(dir, old.name), { recursive: true, force: true });
  }

  async loadResult(trialId: string): Promise<TrialResult | undefined> {
    const file = join(this.checkpointDir(trialId), 'result.json');
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
    let result: TrialResult;
    try {
      result = JSON.parse(text) as TrialResult;
    } catch (error) {
      throw new CorruptRecordError(`${file}: not valid JSON (${(error as Error).message}): the record is damaged`);
    }
    if (result?.id !== trialId || !Array.isArray(result.epochs) || !['ok', 'diverged'].includes(result.status)) {
      throw new CorruptRecordError(`${file}: it is not the result of trial ${trialId}: the record is damaged`);
    }
    return result;
  }

  async saveResult(result: TrialResult): Promise<void> {
    const dir = this.checkpointDir(result.id);
    await mkdir(dir, { recursive: true });
    await writeJsonAtomic(join(dir, 'result.json'), result);
  }

  async saveFinalWeights(meta: WeightsMeta, tensors: NamedTensor[], torch?: TensorToWrite[]): Promise<void> {
    const dir = this.weightsDir(meta.trialId);
    await mkdir(join(dir, '..'), { recursive: true });
    // Only this trial's: its siblings (sgd/seed-1 beside sgd/seed-0) may be writing theirs right now, in another thread.
    await sweepTemps(join(dir, '..'), `${basename(dir)}.`);
    // Only a trial trained again after a crash between its weights and its result finds them there.
    await rm(dir, { recursive: true, force: true });
    const extra: Record<string, Uint8Array> = torch ? { [TORCH_WEIGHTS_FILE]: encodeSafetensors(torch, { format: 'pt', trainyard: `${meta.trialId} epoch ${meta.epoch}` }) } : {};
    await writeBundle(dir, 'weights', meta, tensors, undefined, extra);
  }

  async loadFinalWeights(trialId: string): Promise<FinalWeights | undefined> {
    const dir = this.weightsDir(trialId);
    const names = await readdir(dir).catch(() => [] as string[]);
    if (!names.includes('weights.json')) return undefined;
    const bundle = await readRecordBundle<WeightsMeta>(dir, 'weights');
    if (!names.includes(TORCH_WEIGHTS_FILE)) return bundle;
    const file = join(dir, TORCH_WEIGHTS_FILE);
    const { tensors } = await readSafetensors(file).catch((error: Error) => {
      throw new CorruptRecordError(`${file} cannot be read: ${error.message}`);
    });
    const torch = [...tensors.values()].map((t) => ({ name: t.name, shape: t.shape, data: t.data, dtype: t.dtype === 'I64' ? ('I64' as const) : ('F32' as const) }));
    return { ...bundle, torch };
  }
}

/** readBundle, with a damaged bundle reported by its file. */
async function readRecordBundle<M>(dir: string, name: string): Promise<{ meta: M; tensors: Map<string, NamedTensor> }> {
  try {
    return await readBundle<M>(dir, name);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new CorruptRecordError(`${(error as NodeJS.ErrnoException).path ?? join(dir, name)} is missing: the record in ${dir} is incomplete`);
    if (code) throw error;
    throw new CorruptRecordError(`${(error as Error).message}: the record is damaged`);
  }
}

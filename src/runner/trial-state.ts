// What a trial saves at the end of each epoch and restores on resume, and its final weights.
import { join } from 'node:path';
import { mkdir, rm } from 'node:fs/promises';
import type { OptimizerRuntime, ScheduleRuntime, TF, Tensor, Variable } from '../registry/kinds.js';
import type { PluginSpec } from '../config/types.js';
import type { Random } from '../util/random.js';
import type { EarlyStopper } from './early-stopping.js';
import type { EpochRecord } from './events.js';
import { optimizerStateFrom, optimizerTensors, trialDir, type CheckpointState } from './checkpoint.js';
import { writeBundle, type NamedTensor } from './bundle.js';

/** The live objects of a trial whose state a checkpoint holds. */
export interface TrialParts {
  tf: TF;
  variables: Variable[];
  optimizer: OptimizerRuntime;
  schedule: ScheduleRuntime;
  streams: Record<string, Random>;
  stopper?: EarlyStopper;
}

export interface Progress {
  epoch: number;
  steps: number;
  cumulativeSeconds: number;
  epochs: EpochRecord[];
}

const copy = (data: ArrayLike<number>): Float32Array => Float32Array.from(data);

export async function weightTensors(variables: Tensor[], prefix = 'weights'): Promise<NamedTensor[]> {
  return Promise.all(variables.map(async (v, i) => ({ name: `${prefix}/${i}`, shape: v.shape, data: copy((await v.data()) as Float32Array) })));
}

export async function captureState(parts: TrialParts, progress: Progress, best: Tensor[] | undefined): Promise<CheckpointState> {
  const optimizerState = await parts.optimizer.getState();
  return {
    ...progress,
    random: Object.fromEntries(Object.entries(parts.streams).map(([k, r]) => [k, r.getState()])),
    schedule: parts.schedule.getState(),
    optimizerStep: optimizerState.step,
    ...(parts.stopper ? { stopper: parts.stopper.getState() } : {}),
    tensors: [
      ...(await weightTensors(parts.variables)),
      ...optimizerTensors(optimizerState),
      ...(await weightTensors(best ?? [], 'best')),
    ],
  };
}

/** Puts a checkpoint back into the live trial; returns the best-epoch weights it held, if any. */
export function restoreState(parts: TrialParts, state: CheckpointState): Tensor[] | undefined {
  const { tf, variables } = parts;
  const byName = new Map(state.tensors.map((t) => [t.name, t]));
  variables.forEach((v, i) => {
    const saved = byName.get(`weights/${i}`);
    if (!saved || saved.data.length !== v.size) throw new Error(`checkpoint does not match the model (weights/${i})`);
    v.assign(tf.tensor(saved.data, v.shape));
  });
  parts.optimizer.setState(optimizerStateFrom(state.optimizerStep, state.tensors, variables.length), variables);
  parts.schedule.setState(state.schedule);
  for (const [k, r] of Object.entries(parts.streams)) r.setState(state.random[k]);
  if (parts.stopper && state.stopper) parts.stopper.setState(state.stopper);
  const best = variables.map((v, i) => byName.get(`best/${i}`)).filter((t): t is NamedTensor => t !== undefined);
  return best.length === variables.length ? best.map((t) => tf.keep(tf.tensor(t.data, t.shape))) : undefined;
}

/** Metadata of a trial's final weights (weights/<trial id>/weights.json). */
export interface WeightsMeta {
  trialId: string;
  epoch: number;
  layers: PluginSpec[];
  sampleShape: number[];
}

/** The trial's final weights, for `trainyard evaluate` and for users (format in README). */
export async function saveFinalWeights(runDir: string, meta: WeightsMeta, variables: Variable[]): Promise<void> {
  const dir = join(runDir, 'weights', ...meta.trialId.split('/'));
  await mkdir(join(dir, '..'), { recursive: true });
  // Only a trial re-run after a crash between these weights and its result finds them there.
  await rm(dir, { recursive: true, force: true });
  await writeBundle(dir, 'weights', meta, await weightTensors(variables));
}

export const finalWeightsDir = (runDir: string, trialId: string): string => join(runDir, 'weights', ...trialId.split('/'));
export { trialDir };

// What a trial saves at the end of each epoch and restores on resume. Tensors are read with
// data(), never dataSync(): some backends (WebGPU in Node) cannot read synchronously.
import type { OptimizerRuntime, ScheduleRuntime, TF, Tensor, Variable } from '../registry/kinds.js';
import type { Random } from '../util/random.js';
import type { EpochRecord } from '../run-log/types.js';
import type { EarlyStopper } from './early-stopping.js';
import { optimizerStateFrom, optimizerTensors, type CheckpointState } from './checkpoint.js';
import type { NamedTensor } from './bundle.js';

/** The live objects of a trial whose state a checkpoint holds. */
export interface TrialParts {
  tf: TF;
  /** Every trainable tensor of the model, frozen layers' included (checkpointed as weights/i). */
  variables: Variable[];
  /** What the optimizer updates (and whose state it keeps): the variables of layers not frozen. */
  trainable: Variable[];
  /** The layers' non-trainable state (batch norm's running statistics), saved as state/i. */
  state: Variable[];
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

/** Copies of the tensors' values, named PREFIX/i. */
export async function namedTensors(tensors: readonly Tensor[], prefix = 'weights'): Promise<NamedTensor[]> {
  return Promise.all(tensors.map(async (t, i) => ({ name: `${prefix}/${i}`, shape: t.shape, data: Float32Array.from((await t.data()) as Float32Array) })));
}

export async function captureState(parts: TrialParts, progress: Progress, best: Tensor[] | undefined): Promise<CheckpointState> {
  const optimizerState = await parts.optimizer.getState();
  return {
    ...progress,
    epochs: [...progress.epochs],
    random: Object.fromEntries(Object.entries(parts.streams).map(([k, r]) => [k, r.getState()])),
    schedule: parts.schedule.getState(),
    optimizerStep: optimizerState.step,
    ...(parts.stopper ? { stopper: parts.stopper.getState() } : {}),
    tensors: [...(await namedTensors(parts.variables)), ...(await namedTensors(parts.state, 'state')), ...optimizerTensors(optimizerState), ...(await namedTensors(best ?? [], 'best'))],
  };
}

/** The tensors a trial's weights are: the variables, then the layers' state (what "the best epoch's weights" copies). */
export const weightsOf = (parts: Pick<TrialParts, 'variables' | 'state'>): Variable[] => [...parts.variables, ...parts.state];

/** Assigns saved tensors PREFIX/i to `targets`; a missing or misfitting one is an error naming it. */
export function assignNamed(tf: TF, targets: readonly Variable[], byName: Map<string, NamedTensor>, prefix: string, what: string): void {
  targets.forEach((v, i) => {
    const saved = byName.get(`${prefix}/${i}`);
    if (!saved || saved.data.length !== v.size) throw new Error(`${what} does not match the model (${prefix}/${i})`);
    v.assign(tf.tensor(saved.data, v.shape));
  });
}

/** Puts a checkpoint back into the live trial; returns the best-epoch weights it held, if any. */
export function restoreState(parts: TrialParts, state: CheckpointState): Tensor[] | undefined {
  const { tf, variables } = parts;
  const byName = new Map(state.tensors.map((t) => [t.name, t]));
  assignNamed(tf, variables, byName, 'weights', `the checkpoint of epoch ${state.epoch}`);
  assignNamed(tf, parts.state, byName, 'state', `the checkpoint of epoch ${state.epoch}`);
  parts.optimizer.setState(optimizerStateFrom(state.optimizerStep, state.tensors, parts.trainable.length), parts.trainable);
  parts.schedule.setState(state.schedule);
  for (const [k, r] of Object.entries(parts.streams)) r.setState(state.random[k]);
  if (parts.stopper && state.stopper) parts.stopper.setState(state.stopper);
  const all = weightsOf(parts);
  const best = all.map((v, i) => byName.get(`best/${i}`)).filter((t): t is NamedTensor => t !== undefined);
  return best.length === all.length ? best.map((t) => tf.keep(tf.tensor(t.data, t.shape))) : undefined;
}

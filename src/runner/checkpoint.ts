// What a checkpoint holds: everything needed to continue a trial exactly where an epoch ended.
import type { OptimizerState } from '../registry/kinds.js';
import type { PluginSpec } from '../registry/kinds.js';
import type { EpochRecord } from '../run-log/types.js';
import type { NamedTensor } from './bundle.js';

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

/** Metadata of a trial's final weights (weights/<trial id>/weights.json). */
export interface WeightsMeta {
  trialId: string;
  epoch: number;
  layers: PluginSpec[];
  sampleShape: number[];
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

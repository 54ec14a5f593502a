import type { Registries } from '../registry/index.js';
import type { LayerRuntime, TF, Tensor, Variable } from '../registry/kinds.js';
import type { PluginSpec } from '../registry/kinds.js';
import type { Random } from '../util/random.js';
import { toInternal, toTorch } from '../registry/tensor-layout.js';

export interface Model {
  /** Every layer's trainable tensors in layer order (saved as weights/i), frozen layers' included. */
  variables: Variable[];
  /** What the optimizer updates: the variables of layers not marked `trainable: false`. */
  trainable: Variable[];
  /** The runtime built for model.layers[i]; a layer absorbed by the one before it (fuse) has none. */
  layers: (LayerRuntime | undefined)[];
  /** The layers' non-trainable state (batch norm's running statistics), in layer order. */
  state: Variable[];
  /**
   * torch's state_dict keys of variables then state, `<layer index in the config>.<name>` as an
   * nn.Sequential of the same layers names them ('0.weight', '3.running_mean').
   */
  names: { variables: string[]; state: string[] };
  /** Batches in torch's layout [B, ...sample] in and out; `training` reaches every layer. */
  apply(x: Tensor, training: boolean): Tensor;
  dispose(): void;
}

/** A layer spec's params: everything but its type and the keys a layer spec has besides params (trainable). */
export function layerParams(spec: PluginSpec): Record<string, unknown> {
  const { type: _type, trainable: _trainable, ...params } = spec;
  return params;
}

/**
 * The layers in order. Initial weights come from `random` (the trial seed's stream), so every
 * optimizer of a seed starts from the same weights on any backend.
 *
 * A layer that can absorb the one after it (LayerPlugin.fuse: a linear dense layer and a relu) is
 * built as one layer computing both: the same function and gradient, fewer passes and dispatches.
 */
export function buildModel(tf: TF, layers: PluginSpec[], registries: Registries, sampleShape: number[], random: Random): Model {
  const runtimes: LayerRuntime[] = [];
  const byIndex: (LayerRuntime | undefined)[] = new Array(layers.length).fill(undefined);
  const trainable: Variable[] = [];
  const names: Model['names'] = { variables: [], state: [] };
  let shape = sampleShape;
  let trainableBefore = false;
  for (let index = 0; index < layers.length; index++) {
    const spec = layers[index]!;
    const params = layerParams(spec);
    const plugin = registries.layers.get(spec.type);
    const next = layers[index + 1];
    // A frozen layer keeps its own runtime: absorbing the next one is fine, but not into a frozen one's.
    const fused = next && next.trainable !== false ? plugin.fuse?.(params, { ...layerParams(next), type: next.type }) : undefined;
    const runtime = plugin.create(fused ?? params, { tf, inputShape: shape, random: () => random.next(), index, inputNeedsGrad: trainableBefore });
    runtimes.push(runtime);
    byIndex[index] = runtime;
    const trains = spec.trainable !== false;
    if (trains) trainable.push(...runtime.variables);
    const own = runtime.names ?? ['weight', 'bias'];
    runtime.variables.forEach((_, i) => names.variables.push(`${index}.${own[i] ?? i}`));
    (runtime.state ?? []).forEach((_, i) => names.state.push(`${index}.${own[runtime.variables.length + i] ?? `state${i}`}`));
    trainableBefore ||= trains && runtime.variables.length > 0;
    shape = plugin.outputShape(fused ?? params, shape);
    if (fused) index++;
  }
  const variables = runtimes.flatMap((r) => r.variables);
  const state = runtimes.flatMap((r) => r.state ?? []);
  return {
    variables,
    trainable,
    layers: byIndex,
    state,
    names,
    apply: (x, training) => toTorch(tf, runtimes.reduce((h, layer) => layer.apply(h, training), toInternal(tf, x))),
    dispose: () => [...variables, ...state].forEach((v) => v.dispose()),
  };
}

import type { Registries } from '../registry/index.js';
import type { LayerRuntime, TF, Tensor, Variable } from '../registry/kinds.js';
import type { PluginSpec } from '../config/types.js';
import type { Random } from '../util/random.js';
import dense from '../registry/layers/dense.js';
import { relu } from '../registry/layers/activation.js';

export interface Model {
  variables: Variable[];
  apply(x: Tensor, training: boolean): Tensor;
  dispose(): void;
}

/**
 * The layers in order. Initial weights come from `random` (the trial seed's stream), so every
 * optimizer of a seed starts from the same weights on any backend.
 *
 * A linear dense layer followed by a relu layer is built as one dense layer with a ReLU: the same
 * function and gradient, with the ReLU inside the dense layer's kernels (fewer passes and dispatches).
 */
export function buildModel(tf: TF, layers: PluginSpec[], registries: Registries, sampleShape: number[], random: Random): Model {
  const runtimes: LayerRuntime[] = [];
  let shape = sampleShape;
  let trainableBefore = false;
  for (let index = 0; index < layers.length; index++) {
    const { type, ...params } = layers[index]!;
    const plugin = registries.layers.get(type);
    const next = layers[index + 1];
    const fold = plugin === dense && (params.activation ?? 'linear') === 'linear' && next !== undefined && registries.layers.get(next.type) === relu;
    const runtime = plugin.create(fold ? { ...params, activation: 'relu' } : params, { tf, inputShape: shape, random: () => random.next(), index, inputNeedsGrad: trainableBefore });
    runtimes.push(runtime);
    trainableBefore ||= runtime.variables.length > 0;
    shape = plugin.outputShape(params, shape);
    if (fold) index++;
  }
  const variables = runtimes.flatMap((r) => r.variables);
  return {
    variables,
    apply: (x, training) => runtimes.reduce((h, layer) => layer.apply(h, training), x),
    dispose: () => variables.forEach((v) => v.dispose()),
  };
}

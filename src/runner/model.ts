import type { Registries } from '../registry/index.js';
import type { LayerRuntime, TF, Tensor, Variable } from '../registry/kinds.js';
import type { PluginSpec } from '../registry/kinds.js';
import type { Random } from '../util/random.js';

export interface Model {
  variables: Variable[];
  apply(x: Tensor, training: boolean): Tensor;
  dispose(): void;
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
  let shape = sampleShape;
  let trainableBefore = false;
  for (let index = 0; index < layers.length; index++) {
    const { type, ...params } = layers[index]!;
    const plugin = registries.layers.get(type);
    const next = layers[index + 1];
    const fused = next ? plugin.fuse?.(params, next) : undefined;
    const runtime = plugin.create(fused ?? params, { tf, inputShape: shape, random: () => random.next(), index, inputNeedsGrad: trainableBefore });
    runtimes.push(runtime);
    trainableBefore ||= runtime.variables.length > 0;
    shape = plugin.outputShape(fused ?? params, shape);
    if (fused) index++;
  }
  const variables = runtimes.flatMap((r) => r.variables);
  return {
    variables,
    apply: (x, training) => runtimes.reduce((h, layer) => layer.apply(h, training), x),
    dispose: () => variables.forEach((v) => v.dispose()),
  };
}

import type { Registries } from '../registry/index.js';
import type { LayerRuntime, TF, Tensor, Variable } from '../registry/kinds.js';
import type { PluginSpec } from '../config/types.js';
import type { Random } from '../util/random.js';

export interface Model {
  variables: Variable[];
  apply(x: Tensor, training: boolean): Tensor;
  dispose(): void;
}

/**
 * The layers in order. Initial weights come from `random` (the trial seed's stream), so every
 * optimizer of a seed starts from the same weights on any backend.
 */
export function buildModel(tf: TF, layers: PluginSpec[], registries: Registries, sampleShape: number[], random: Random): Model {
  const runtimes: LayerRuntime[] = [];
  let shape = sampleShape;
  let trainableBefore = false;
  layers.forEach(({ type, ...params }, index) => {
    const plugin = registries.layers.get(type);
    const runtime = plugin.create(params, { tf, inputShape: shape, random: () => random.next(), index, inputNeedsGrad: trainableBefore });
    runtimes.push(runtime);
    trainableBefore ||= runtime.variables.length > 0;
    shape = plugin.outputShape(params, shape);
  });
  const variables = runtimes.flatMap((r) => r.variables);
  return {
    variables,
    apply: (x, training) => runtimes.reduce((h, layer) => layer.apply(h, training), x),
    dispose: () => variables.forEach((v) => v.dispose()),
  };
}

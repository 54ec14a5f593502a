// A built model's tensors in and out of files: initial weights (model.init.weights, safetensors
// or a trainyard bundle) and the torch state_dict of its weights (model.safetensors). Tensors are
// read with data(), never dataSync(): some backends cannot read synchronously.
import type { Registries } from '../registry/index.js';
import type { PluginSpec, TF, Variable } from '../registry/kinds.js';
import { inversePermutation, permuteAxes, torchLayout, torchMismatches, unmappedProblem, type TorchSlot } from '../registry/torch-layout.js';
import { bundleMismatches, readWeightsFile } from '../util/weights-file.js';
import type { TensorToWrite } from '../util/safetensors.js';
import type { Model } from './model.js';

/** The runtime tensor a slot names; an Error when the layer did not build it. */
function tensorOf(model: Model, slot: TorchSlot): Variable {
  const runtime = model.layers[slot.layer];
  const tensor = runtime?.[slot.from]?.[slot.index];
  if (!tensor) throw new Error(`model.layers[${slot.layer}] (${slot.type}) has no ${slot.from}[${slot.index}] for its torch tensor '${slot.key}'`);
  const same = tensor.shape.length === slot.tfShape.length && tensor.shape.every((d, i) => d === slot.tfShape[i]);
  if (!same) throw new Error(`model.layers[${slot.layer}] (${slot.type}): its torch tensor '${slot.key}' is [${slot.shape.join(', ')}], which is not its tensor [${tensor.shape.join(', ')}] in TF.js's layout`);
  return tensor;
}

/** Every slot's tensor, checked against the layout (a layer without torch names is an Error). */
function mappedTensors(model: Model, layers: PluginSpec[], registries: Registries, sampleShape: number[]): { slot: TorchSlot; tensor: Variable }[] {
  const layout = torchLayout(layers, registries, sampleShape);
  const unmapped = unmappedProblem(layout);
  if (unmapped) throw new Error(unmapped);
  const pairs = layout.slots.map((slot) => ({ slot, tensor: tensorOf(model, slot) }));
  model.layers.forEach((runtime, i) => {
    if (runtime && runtime.variables.length > 0 && !layout.slots.some((s) => s.layer === i)) throw new Error(`model.layers[${i}] (${layers[i]!.type}) has tensors but no torch names (the layer plugin has no torch())`);
  });
  return pairs;
}

/**
 * Replaces the model's initial weights with a file's; strict: a missing, extra or misshapen tensor
 * is an Error naming it and both shapes. F64 values are narrowed to float32.
 */
export async function loadInitialWeights(tf: TF, model: Model, layers: PluginSpec[], registries: Registries, sampleShape: number[], file: string): Promise<void> {
  const { format, tensors } = await readWeightsFile(file);
  const found = [...tensors.values()];
  if (format === 'bundle') {
    const problems = bundleMismatches(model.variables.map((v) => v.shape), found, model.state.map((v) => v.shape));
    if (problems.length > 0) throw new Error(`${file}: ${problems.join('; ')}`);
    model.variables.forEach((v, i) => v.assign(tf.tensor(tensors.get(`weights/${i}`)!.data, v.shape)));
    model.state.forEach((v, i) => v.assign(tf.tensor(tensors.get(`state/${i}`)!.data, v.shape, v.dtype)));
    return;
  }
  const pairs = mappedTensors(model, layers, registries, sampleShape);
  const problems = torchMismatches(torchLayout(layers, registries, sampleShape), found);
  if (problems.length > 0) throw new Error(`${file}: ${problems.join('; ')}`);
  for (const { slot, tensor } of pairs) {
    const values = tensors.get(slot.key)!.data;
    const data = slot.permute ? permuteAxes(values, slot.shape, slot.permute) : values;
    tensor.assign(tf.tensor(data, tensor.shape, tensor.dtype));
  }
}

/** The model's tensors with torch's names, shapes and dtypes (a state_dict), for safetensors. */
export async function torchStateDict(model: Model, layers: PluginSpec[], registries: Registries, sampleShape: number[]): Promise<TensorToWrite[]> {
  const pairs = mappedTensors(model, layers, registries, sampleShape);
  return Promise.all(
    pairs.map(async ({ slot, tensor }) => {
      const values = Float32Array.from((await tensor.data()) as ArrayLike<number>);
      const data = slot.permute ? permuteAxes(values, slot.tfShape, inversePermutation(slot.permute)) : values;
      return { name: slot.key, shape: slot.shape, data, ...(slot.dtype ? { dtype: slot.dtype } : {}) };
    }),
  );
}

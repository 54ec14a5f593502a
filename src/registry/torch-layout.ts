// A model's tensors as a torch state_dict names them: nn.Sequential numbers its modules, so
// model.layers[i] is module i (flatten and activation layers count; an inline `activation: relu`
// adds none), and each layer plugin says how its own tensors are named and laid out (LayerPlugin.torch).
// Pure: inspect checks a weights file's header with it, the runner reads and writes with it.
import type { Registries } from './index.js';
import type { PluginSpec, TorchTensor } from './kinds.js';

export interface TorchSlot extends TorchTensor {
  /** The state_dict key: `<layer index>.<name>`. */
  key: string;
  layer: number;
  type: string;
  /** Its shape in TF.js (torch's shape through permute). */
  tfShape: number[];
}

export interface TorchLayout {
  slots: TorchSlot[];
  /** Layers with trainable parameters whose plugin gives no torch names. */
  unmapped: { layer: number; type: string }[];
}

const shapeText = (shape: readonly number[]) => `[${shape.join(', ')}]`;

export function torchLayout(layers: readonly PluginSpec[], registries: Registries, sampleShape: number[]): TorchLayout {
  const slots: TorchSlot[] = [];
  const unmapped: TorchLayout['unmapped'] = [];
  let shape = sampleShape;
  layers.forEach(({ type, trainable: _trainable, ...params }, layer) => {
    const plugin = registries.layers.get(type);
    if (plugin.torch) {
      for (const t of plugin.torch(params, shape)) {
        slots.push({ ...t, key: `${layer}.${t.name}`, layer, type, tfShape: t.permute ? t.permute.map((axis) => t.shape[axis]!) : [...t.shape] });
      }
    } else if ((plugin.parameters?.(params, shape) ?? 0) > 0) {
      unmapped.push({ layer, type });
    }
    shape = plugin.outputShape(params, shape);
  });
  return { slots, unmapped };
}

/** Why a layout cannot be read or written at all (a layer without torch names), or undefined. */
export function unmappedProblem(layout: TorchLayout): string | undefined {
  if (layout.unmapped.length === 0) return undefined;
  return `${layout.unmapped.map((u) => `model.layers[${u.layer}] (${u.type})`).join(', ')} ${layout.unmapped.length === 1 ? 'has' : 'have'} parameters but no torch names (the layer plugin has no torch())`;
}

/**
 * Every way the tensors found differ from what the model needs: missing, extra and misshapen
 * ones, each named with both shapes. `found` are the file's tensors, in torch's layout.
 */
export function torchMismatches(layout: TorchLayout, found: readonly { name: string; shape: readonly number[] }[]): string[] {
  const problems: string[] = [];
  const byName = new Map(found.map((f) => [f.name, f]));
  for (const slot of layout.slots) {
    const f = byName.get(slot.key);
    const needs = `model.layers[${slot.layer}] (${slot.type}) needs ${shapeText(slot.shape)}`;
    if (!f) problems.push(`tensor '${slot.key}' is missing: ${needs}`);
    else if (f.shape.length !== slot.shape.length || f.shape.some((d, i) => d !== slot.shape[i])) problems.push(`tensor '${slot.key}' is ${shapeText(f.shape)} but ${needs}`);
  }
  const wanted = new Set(layout.slots.map((s) => s.key));
  const extra = found.filter((f) => !wanted.has(f.name));
  for (const f of extra) problems.push(`tensor '${f.name}' ${shapeText(f.shape)} is not in the model (it has ${layout.slots.map((s) => s.key).join(', ') || 'no tensors'})`);
  return problems;
}

/** The trainable tensors' TF.js shapes in model order (a trainyard bundle's weights/i), from the layout. */
export function variableShapes(layout: TorchLayout, from: 'variables' | 'state' = 'variables'): number[][] {
  const byLayer = new Map<number, TorchSlot[]>();
  for (const s of layout.slots) if (s.from === from) byLayer.set(s.layer, [...(byLayer.get(s.layer) ?? []), s]);
  return [...byLayer.keys()].sort((a, b) => a - b).flatMap((l) => byLayer.get(l)!.sort((a, b) => a.index - b.index).map((s) => s.tfShape));
}

/** data (C order, `shape`) with its axes permuted: out axis i is in axis perm[i]. */
export function permuteAxes(data: Float32Array, shape: readonly number[], perm: readonly number[]): Float32Array {
  const outShape = perm.map((a) => shape[a]!);
  const inStrides = strides(shape);
  const out = new Float32Array(data.length);
  const index = new Array<number>(outShape.length).fill(0);
  for (let o = 0; o < out.length; o++) {
    let from = 0;
    for (let i = 0; i < perm.length; i++) from += index[i]! * inStrides[perm[i]!]!;
    out[o] = data[from]!;
    for (let i = outShape.length - 1; i >= 0; i--) {
      if (++index[i]! < outShape[i]!) break;
      index[i] = 0;
    }
  }
  return out;
}

/** The inverse permutation: permuteAxes by perm, then by inversePermutation(perm), is the identity. */
export const inversePermutation = (perm: readonly number[]): number[] => perm.map((_, i) => perm.indexOf(i));

function strides(shape: readonly number[]): number[] {
  const out = new Array<number>(shape.length).fill(1);
  for (let i = shape.length - 2; i >= 0; i--) out[i] = out[i + 1]! * shape[i + 1]!;
  return out;
}

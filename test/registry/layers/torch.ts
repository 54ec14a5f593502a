// Test helpers for comparing layers with torch (fixtures from scripts/golden-layers.py).
import * as tf from '@tensorflow/tfjs';
import type { LayerPlugin, PluginSpec } from '../../../src/registry/kinds.js';
import { inversePermutation, torchPermutation } from '../../../src/registry/layers/torch-layout.js';

/** n float32 values, as det() in scripts/golden-layers.py computes them. */
export function det(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = 0.5 * Math.sin(i * 0.731 + seed * 1.3);
  return out;
}

/** A layer spec with its params' defaults filled in, as normalize fills them. */
export function withDefaults(plugin: LayerPlugin, spec: PluginSpec | string): Record<string, unknown> {
  const { type: _type, ...given } = typeof spec === 'string' ? { type: spec } : spec;
  const props = (plugin.params.properties ?? {}) as Record<string, { default?: unknown }>;
  return { ...Object.fromEntries(Object.entries(props).filter(([, s]) => s.default !== undefined).map(([k, s]) => [k, s.default])), ...given };
}

/** A torch tensor's values (torch layout, shape torchShape) as the layer's variable holds them. */
export function fromTorch(layerType: string, name: string, values: Float32Array, torchShape: number[]): tf.Tensor {
  const perm = torchPermutation(layerType, name, torchShape.length);
  const t = tf.tensor(values, torchShape);
  return perm ? tf.transpose(t, inversePermutation(perm)) : t;
}

/** A variable's (or its gradient's) values in torch's layout. */
export function toTorchValues(layerType: string, name: string, t: tf.Tensor): Float32Array {
  const perm = torchPermutation(layerType, name, t.rank);
  return tf.tidy(() => (perm ? tf.transpose(t, perm) : t).dataSync() as Float32Array);
}

/** Worst |a - b| / (atol + rtol·|b|) over the values: at most 1 is within tolerance. */
export function closeness(got: ArrayLike<number>, want: ArrayLike<number>, rtol = 1e-4, atol = 1e-5): number {
  if (got.length !== want.length) return Infinity;
  let worst = 0;
  for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i]! - want[i]!) / (atol + rtol * Math.abs(want[i]!)));
  return worst;
}

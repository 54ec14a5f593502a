import type { TF, Tensor } from '../registry/kinds.js';

/**
 * torch.nn.utils.clip_grad_value_ then clip_grad_norm_ (L2 over all gradients, scaled by
 * min(1, maxNorm / (norm + 1e-6))), all on the backend: nothing is read back. Call inside tidy.
 */
export function clipGradients(tf: TF, grads: Tensor[], options: { clipGradValue?: number; clipGradNorm?: number }): Tensor[] {
  let clipped = grads;
  if (options.clipGradValue !== undefined) {
    const v = options.clipGradValue;
    clipped = clipped.map((g) => tf.clipByValue(g, -v, v));
  }
  if (options.clipGradNorm !== undefined) {
    const norm = tf.sqrt(tf.addN(clipped.map((g) => tf.sum(tf.square(g)))));
    const scale = tf.minimum(tf.div(options.clipGradNorm, tf.add(norm, 1e-6)), 1);
    clipped = clipped.map((g) => tf.mul(g, scale));
  }
  return clipped;
}

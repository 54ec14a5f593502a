// Where torch's layout and TF.js's meet. An image sample is [C, H, W] in YAML and torch (what
// outputShape speaks); a batch of them lives NHWC inside the model, where TF.js's convolutions and
// pools want it. The model converts at its edges; layers that see values in order (flatten,
// reshape) convert at theirs, so values come out in torch's order and weights compare with torch's.
import type { TF, Tensor } from './kinds.js';

/** A batch of samples in torch's layout [B, ...sample] as the model holds it inside (NHWC for images). */
export function toInternal(tf: TF, x: Tensor): Tensor {
  if (x.rank !== 4) return x;
  const [b, c, h, w] = x.shape as [number, number, number, number];
  return c === 1 ? tf.reshape(x, [b, h, w, 1]) : tf.transpose(x, [0, 2, 3, 1]);
}

/** A batch as the model holds it inside, in torch's layout [B, ...sample] (NCHW for images). */
export function toTorch(tf: TF, x: Tensor): Tensor {
  if (x.rank !== 4) return x;
  const [b, h, w, c] = x.shape as [number, number, number, number];
  return c === 1 ? tf.reshape(x, [b, 1, h, w]) : tf.transpose(x, [0, 3, 1, 2]);
}

// What a layer plugin says about its tensors for weights in and out: their torch names and
// layouts (safetensors) and its tf.layers equivalent (export --format tfjs). Type-only.
import type * as tfjs from '@tensorflow/tfjs';

/**
 * How one of a layer's tensors is named and laid out in a torch `state_dict` (nn.Sequential's
 * numbering: model.layers[i] is module i, so dense at index 1 has `1.weight` and `1.bias`).
 */
export interface TorchTensor {
  /** The name after the module index: weight, bias, running_mean, num_batches_tracked. */
  name: string;
  /** Its shape in torch: [out, in] for nn.Linear's weight, [out, in, kh, kw] for nn.Conv2d's. */
  shape: number[];
  /** Which runtime tensor it is: variables[index] (trained) or state[index] (kept, not trained). */
  from: 'variables' | 'state';
  index: number;
  /**
   * Axis i of the TF.js tensor is axis permute[i] of torch's: [1, 0] for a dense kernel [in, out],
   * [2, 3, 1, 0] for a conv kernel [kh, kw, in, out]. Absent: the same layout.
   */
  permute?: number[];
  /** How torch stores it: F32 (default), or I64 for a counter such as num_batches_tracked. */
  dtype?: 'F32' | 'I64';
}

/** What `trainyard export --format tfjs` builds for a layer: a tf.layers layer taking its tensors. */
export interface TfjsLayerContext {
  tf: typeof tfjs;
  /** Shape of one input sample, as the model sees it (channels last inside TF.js). */
  inputShape: number[];
}

import { defineLayer } from '../kinds.js';

export interface BatchNormParams {
  momentum: number;
  eps: number;
  affine: boolean;
}

/** Features of a flat sample [F] or channels of an image [C, H, W]: what batch norm normalises per. */
function features(inputShape: number[]): number {
  if (inputShape.length !== 1 && inputShape.length !== 3) {
    throw new Error(`batchNorm expects flat samples [features] (BatchNorm1d) or images [channels, height, width] (BatchNorm2d) but gets shape [${inputShape.join(', ')}]`);
  }
  return inputShape[0]!;
}

export default defineLayer<BatchNormParams>({
  type: 'batchNorm',
  summary:
    'Batch normalisation as torch.nn.BatchNorm1d (flat samples) or BatchNorm2d (images, per channel): batch statistics in training, running ones in evaluation',
  params: {
    type: 'object',
    properties: {
      momentum: { type: 'number', minimum: 0, maximum: 1, default: 0.1, description: 'Weight of the new batch in the running statistics (torch momentum)' },
      eps: { type: 'number', exclusiveMinimum: 0, default: 1e-5, description: 'Added to the variance before its square root' },
      affine: { type: 'boolean', default: true, description: 'Learn a scale (weight) and shift (bias) per feature' },
    },
    additionalProperties: false,
  },
  outputShape: (_p, inputShape) => (features(inputShape), inputShape),
  parameters: (p, inputShape) => (p.affine ? 2 * features(inputShape) : 0),
  // torch's state_dict order: weight, bias (when affine), then the running statistics.
  torch: ({ affine }, inputShape) => {
    const n = features(inputShape);
    return [
      ...(affine
        ? [
            { name: 'weight', shape: [n], from: 'variables' as const, index: 0 },
            { name: 'bias', shape: [n], from: 'variables' as const, index: 1 },
          ]
        : []),
      { name: 'running_mean', shape: [n], from: 'state', index: 0 },
      { name: 'running_var', shape: [n], from: 'state', index: 1 },
      { name: 'num_batches_tracked', shape: [], from: 'state', index: 2, dtype: 'I64' },
    ];
  },
  create({ momentum, eps, affine }, { tf, inputShape }) {
    const n = features(inputShape);
    // The batch axes: [B] for flat samples, [B, H, W] of NHWC images.
    const axes = inputShape.length === 1 ? [0] : [0, 1, 2];
    // In a tidy: a variable takes its initial tensor's data but leaves that tensor alive, so each
    // trial with batch norm left five tensors behind once it was disposed.
    const variable = (initial: () => ReturnType<typeof tf.zeros>, trainable: boolean) => tf.tidy(() => tf.variable(initial(), trainable));
    const weight = affine ? variable(() => tf.ones([n]), true) : null;
    const bias = affine ? variable(() => tf.zeros([n]), true) : null;
    const runningMean = variable(() => tf.zeros([n]), false);
    const runningVar = variable(() => tf.ones([n]), false);
    const batchesTracked = variable(() => tf.scalar(0), false);
    const scaleShift = (normed: ReturnType<typeof tf.mul>) => (weight && bias ? tf.add(tf.mul(normed, weight), bias) : normed);
    return {
      variables: weight && bias ? [weight, bias] : [],
      state: [runningMean, runningVar, batchesTracked],
      names: [...(affine ? ['weight', 'bias'] : []), 'running_mean', 'running_var', 'num_batches_tracked'],
      apply(x, training) {
        if (!training) return scaleShift(tf.mul(tf.sub(x, runningMean), tf.rsqrt(tf.add(runningVar, eps))));
        const { mean, variance } = tf.moments(x, axes);
        const count = x.size / n;
        // torch keeps the unbiased variance of the batch; it normalises with the biased one. The
        // statistics are updated outside any gradient: an assignment is not on the tape.
        runningMean.assign(tf.add(tf.mul(runningMean, 1 - momentum), tf.mul(mean, momentum)));
        runningVar.assign(tf.add(tf.mul(runningVar, 1 - momentum), tf.mul(variance, (momentum * count) / Math.max(count - 1, 1))));
        batchesTracked.assign(tf.add(batchesTracked, 1));
        return scaleShift(tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, eps))));
      },
    };
  },
});

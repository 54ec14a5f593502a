import { defineLayer } from '../kinds.js';

export interface LayerNormParams {
  eps: number;
  elementwiseAffine: boolean;
}

export default defineLayer<LayerNormParams>({
  type: 'layerNorm',
  summary: 'Normalises each sample over all its values, as torch.nn.LayerNorm(sample shape), with a learned scale and shift per value',
  params: {
    type: 'object',
    properties: {
      eps: { type: 'number', exclusiveMinimum: 0, default: 1e-5, description: 'Added to the variance before its square root' },
      elementwiseAffine: { type: 'boolean', default: true, description: 'Learn a scale (weight) and shift (bias) per value (torch elementwise_affine)' },
    },
    additionalProperties: false,
  },
  outputShape: (_p, inputShape) => inputShape,
  parameters: (p, inputShape) => (p.elementwiseAffine ? 2 * inputShape.reduce((a, b) => a * b, 1) : 0),
  // torch's weight and bias have the sample's shape [C, H, W]; inside an image's are [H, W, C].
  torch: ({ elementwiseAffine }, inputShape) => {
    const permute = inputShape.length === 3 ? { permute: [1, 2, 0] } : {};
    return elementwiseAffine
      ? [
          { name: 'weight', shape: [...inputShape], from: 'variables', index: 0, ...permute },
          { name: 'bias', shape: [...inputShape], from: 'variables', index: 1, ...permute },
        ]
      : [];
  },
  create({ eps, elementwiseAffine }, { tf, inputShape }) {
    // Held in the layout the layer sees: [H, W, C] for an image (torch's [C, H, W] permuted).
    const shape = inputShape.length === 3 ? [inputShape[1]!, inputShape[2]!, inputShape[0]!] : inputShape;
    // In a tidy: a variable takes its initial tensor's data but leaves that tensor alive.
    const weight = elementwiseAffine ? tf.tidy(() => tf.variable(tf.ones(shape), true)) : null;
    const bias = elementwiseAffine ? tf.tidy(() => tf.variable(tf.zeros(shape), true)) : null;
    const axes = shape.map((_, i) => i + 1);
    return {
      variables: weight && bias ? [weight, bias] : [],
      apply(x) {
        const { mean, variance } = tf.moments(x, axes, true);
        const normed = tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, eps)));
        return weight && bias ? tf.add(tf.mul(normed, weight), bias) : normed;
      },
    };
  },
});

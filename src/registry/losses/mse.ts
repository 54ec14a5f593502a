import { defineLoss } from '../kinds.js';

export default defineLoss<Record<string, never>>({
  type: 'mse',
  summary: 'Mean squared error over all elements, as torch.nn.MSELoss (class labels become one-hot targets)',
  target: 'value',
  params: { type: 'object', properties: {}, additionalProperties: false },
  create: (_p, { tf }) => (output, target) => tf.tidy(() => tf.mean(tf.squaredDifference(output, target))),
});

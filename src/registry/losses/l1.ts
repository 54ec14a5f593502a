import { defineLoss } from '../kinds.js';

export default defineLoss<Record<string, never>>({
  type: 'l1',
  summary: 'Mean absolute error over all elements, as torch.nn.L1Loss (class labels become one-hot targets)',
  target: 'value',
  params: { type: 'object', properties: {}, additionalProperties: false },
  create: (_p, { tf }) => (output, target) => tf.tidy(() => tf.mean(tf.abs(tf.sub(output, target)))),
});

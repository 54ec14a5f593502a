import { defineLoss } from '../kinds.js';

export interface SmoothL1Params {
  beta: number;
}

export default defineLoss<SmoothL1Params>({
  type: 'smoothL1',
  summary: 'Huber-like loss: 0.5·d²/beta where |d| < beta, else |d| - 0.5·beta, mean over all elements, as torch.nn.SmoothL1Loss',
  target: 'value',
  params: {
    type: 'object',
    properties: { beta: { type: 'number', minimum: 0, default: 1, description: 'Where the loss turns from quadratic to linear (0: the l1 loss)' } },
    additionalProperties: false,
  },
  create: ({ beta }, { tf }) => (output, target) =>
    tf.tidy(() => {
      const d = tf.abs(tf.sub(output, target));
      if (beta === 0) return tf.mean(d);
      return tf.mean(tf.where(tf.less(d, beta), tf.mul(tf.square(d), 0.5 / beta), tf.sub(d, 0.5 * beta)));
    }),
});

import { defineLoss } from '../kinds.js';

export default defineLoss<Record<string, never>>({
  type: 'nll',
  summary: 'Negative log-likelihood of log-probabilities (put logSoftmax last) against class labels, as torch.nn.NLLLoss',
  target: 'class',
  params: { type: 'object', properties: {}, additionalProperties: false },
  create: (_p, { tf }) => (output, labels) =>
    tf.tidy(() => {
      const classes = output.shape[output.shape.length - 1];
      return tf.neg(tf.mean(tf.sum(tf.mul(output, tf.oneHot(labels.toInt(), classes)), -1)));
    }),
});

import { defineLoss } from '../kinds.js';

export interface MultiMarginParams {
  p: 1 | 2;
  margin: number;
}

export default defineLoss<MultiMarginParams>({
  type: 'multiMargin',
  summary: 'Multi-class hinge loss sum over i≠y of max(0, margin − x[y] + x[i])^p / classes, as torch.nn.MultiMarginLoss',
  target: 'class',
  params: {
    type: 'object',
    properties: {
      p: { enum: [1, 2], default: 1, description: 'Exponent of the hinge (1 or 2)' },
      margin: { type: 'number', default: 1, description: 'Margin the true class must win by' },
    },
    additionalProperties: false,
  },
  create: ({ p, margin }, { tf }) => (output, labels) =>
    tf.tidy(() => {
      const classes = output.shape[output.shape.length - 1];
      const oneHot = tf.oneHot(labels.toInt(), classes);
      const trueScore = tf.sum(tf.mul(output, oneHot), -1, true);
      let hinge = tf.relu(tf.add(tf.sub(output, trueScore), margin));
      if (p === 2) hinge = tf.square(hinge);
      // The true class contributes max(0, margin)^p, which torch leaves out of the sum.
      const perSample = tf.sum(tf.mul(hinge, tf.sub(1, oneHot)), -1);
      return tf.div(tf.mean(perSample), classes);
    }),
});

import { defineLoss, type LossFn } from '../kinds.js';
import { kernelsFor } from '../../kernels/index.js';

export interface CrossEntropyParams {
  labelSmoothing: number;
}

export default defineLoss<CrossEntropyParams>({
  type: 'crossEntropy',
  summary: 'Softmax cross-entropy of raw scores (logits) against class labels, as torch.nn.CrossEntropyLoss',
  target: 'class',
  params: {
    type: 'object',
    properties: {
      labelSmoothing: { type: 'number', minimum: 0, maximum: 1, default: 0, description: 'Mix of the one-hot target with the uniform distribution (torch label_smoothing)' },
    },
    additionalProperties: false,
  },
  create: ({ labelSmoothing }, { tf }) => {
    const withOps: LossFn = (output, labels) =>
      tf.tidy(() => {
        const classes = output.shape[output.shape.length - 1];
        const logProbs = tf.logSoftmax(output);
        const picked = tf.sum(tf.mul(logProbs, tf.oneHot(labels.toInt(), classes)), -1);
        if (labelSmoothing === 0) return tf.neg(tf.mean(picked));
        const uniform = tf.mean(logProbs, -1);
        return tf.neg(tf.mean(tf.add(tf.mul(picked, 1 - labelSmoothing), tf.mul(uniform, labelSmoothing))));
      });
    // The backend's own kernel where it has one (two kernels instead of about thirty), the tensor
    // ops elsewhere: chosen on every call, from the backend active then.
    return (output, labels) => {
      const { softmaxCrossEntropy } = kernelsFor(tf);
      return softmaxCrossEntropy ? softmaxCrossEntropy(output, labels, labelSmoothing) : withOps(output, labels);
    };
  },
});

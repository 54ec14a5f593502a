import { defineMetric } from '../kinds.js';

export default defineMetric<Record<string, never>>({
  type: 'loss',
  key: 'loss',
  summary: "The experiment's loss, averaged over a split's samples (testLoss, valLoss)",
  params: { type: 'object', properties: {}, additionalProperties: false },
  create: (_p, { tf, loss }) => ({
    batchSum: (output, target) => tf.tidy(() => tf.mul(loss(output, target), output.shape[0])),
  }),
});

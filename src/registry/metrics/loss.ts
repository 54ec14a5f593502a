import { defineMetric } from '../kinds.js';

export default defineMetric<Record<string, never>>({
  type: 'loss',
  key: 'testLoss',
  summary: "The experiment's loss on the test set, averaged over all test samples",
  params: { type: 'object', properties: {}, additionalProperties: false },
  create: (_p, { tf, loss }) => ({
    batchSum: (output, target) => tf.tidy(() => tf.mul(loss(output, target), output.shape[0])),
  }),
});

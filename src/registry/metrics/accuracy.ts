import { defineMetric } from '../kinds.js';

export default defineMetric<Record<string, never>>({
  type: 'accuracy',
  key: 'accuracy',
  tasks: ['classification'],
  summary: 'Fraction of samples whose highest-scoring output is the true class (testAccuracy, valAccuracy)',
  params: { type: 'object', properties: {}, additionalProperties: false },
  create: (_p, { tf }) => ({
    batchSum: (output, _target, labels) => tf.tidy(() => tf.sum(tf.cast(tf.equal(tf.argMax(output, -1), labels.toInt()), 'float32'))),
  }),
});

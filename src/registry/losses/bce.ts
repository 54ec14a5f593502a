import { defineLoss } from '../kinds.js';

export const bce = defineLoss<Record<string, never>>({
  type: 'bce',
  summary: 'Binary cross-entropy of probabilities in [0, 1] against targets in [0, 1], mean over all elements, as torch.nn.BCELoss (its logs clamped at -100)',
  target: 'value',
  params: { type: 'object', properties: {}, additionalProperties: false },
  create: (_p, { tf }) => (output, target) =>
    tf.tidy(() => {
      // torch clamps each log at -100, so an output of exactly 0 or 1 costs 100, not infinity.
      const logP = tf.maximum(tf.log(output), -100);
      const log1mP = tf.maximum(tf.log(tf.sub(1, output)), -100);
      return tf.neg(tf.mean(tf.add(tf.mul(target, logP), tf.mul(tf.sub(1, target), log1mP))));
    }),
});

export const bceWithLogits = defineLoss<Record<string, never>>({
  type: 'bceWithLogits',
  summary: 'Binary cross-entropy of sigmoid(output) against targets in [0, 1], computed stably from the logits, mean over all elements, as torch.nn.BCEWithLogitsLoss',
  target: 'value',
  params: { type: 'object', properties: {}, additionalProperties: false },
  // max(x, 0) - x·t + log(1 + exp(-|x|)): torch's stable form.
  create: (_p, { tf }) => (output, target) =>
    tf.tidy(() => tf.mean(tf.add(tf.sub(tf.relu(output), tf.mul(output, target)), tf.log1p(tf.exp(tf.neg(tf.abs(output))))))),
});

import { defineLayer } from '../kinds.js';

export interface DropoutParams {
  rate: number;
}

export default defineLayer<DropoutParams>({
  type: 'dropout',
  summary: 'Zeroes each value with probability rate during training and scales the rest by 1/(1-rate), as torch.nn.Dropout',
  params: {
    type: 'object',
    properties: { rate: { type: 'number', minimum: 0, exclusiveMaximum: 1, default: 0.5, description: 'Probability of dropping a value (torch p)' } },
    additionalProperties: false,
  },
  outputShape: (_p, inputShape) => inputShape,
  tfjsLayer: ({ rate }, { tf }) => tf.layers.dropout({ rate }),
  create: ({ rate }, { tf, random }) => ({
    variables: [],
    apply: (x, training) => {
      if (!training || rate === 0) return x;
      // A fresh seed per call from the trial's PRNG keeps masks reproducible.
      return tf.dropout(x, rate, undefined, Math.floor(random() * 2 ** 31));
    },
  }),
});

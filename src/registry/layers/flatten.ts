import { defineLayer } from '../kinds.js';
import { toTorch } from './layout.js';

export default defineLayer<Record<string, never>>({
  type: 'flatten',
  summary: "Flattens each sample to one dimension in torch's order (channels, height, width), as torch.nn.Flatten",
  params: { type: 'object', properties: {}, additionalProperties: false },
  outputShape: (_p, inputShape) => [inputShape.reduce((a, b) => a * b, 1)],
  tfjsLayer: (_p, { tf }) => tf.layers.flatten(),
  create: (_p, { tf, inputShape }) => {
    const size = inputShape.reduce((a, b) => a * b, 1);
    return { variables: [], apply: (x) => (x.rank === 2 && x.shape[1] === size ? x : toTorch(tf, x).reshape([x.shape[0]!, size])) };
  },
});

import { defineLayer } from '../kinds.js';
import { toInternal, toTorch } from './layout.js';

export interface ReshapeParams {
  shape: number[];
}

const size = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

/** The shape with its one -1 worked out, or an Error. */
function resolve(shape: number[], inputShape: number[]): number[] {
  const total = size(inputShape);
  const unknown = shape.filter((d) => d === -1).length;
  if (unknown > 1) throw new Error(`reshape: at most one dimension may be -1 (got [${shape.join(', ')}])`);
  const known = size(shape.filter((d) => d !== -1));
  const out = shape.map((d) => (d === -1 ? total / known : d));
  if (size(out) !== total || !out.every(Number.isInteger)) {
    throw new Error(`reshape: [${inputShape.join(', ')}] (${total} values) cannot be reshaped to [${shape.join(', ')}]`);
  }
  return out;
}

export default defineLayer<ReshapeParams>({
  type: 'reshape',
  summary: 'Reshapes each sample, values in torch\'s order (as torch.reshape on [batch, ...shape]); -1 for one dimension left to fit',
  params: {
    type: 'object',
    properties: { shape: { type: 'array', items: { type: 'integer', minimum: -1, not: { const: 0 } }, minItems: 1, maxItems: 8, description: 'Shape of one sample, e.g. [1, 28, 28] (channels first)' } },
    required: ['shape'],
    additionalProperties: false,
  },
  outputShape: ({ shape }, inputShape) => resolve(shape, inputShape),
  create: ({ shape }, { tf, inputShape }) => {
    const out = resolve(shape, inputShape);
    return { variables: [], apply: (x) => toInternal(tf, tf.reshape(toTorch(tf, x), [x.shape[0]!, ...out])) };
  },
});

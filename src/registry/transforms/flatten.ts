import { defineTransform } from '../kinds.js';

export default defineTransform<Record<string, never>>({
  type: 'flatten',
  summary: 'Makes each sample one-dimensional (28×28 → 784) at load, so the model needs no flatten layer',
  params: { type: 'object', properties: {}, additionalProperties: false },
  facts: (_p, facts) => ({ ...facts, sampleShape: [facts.sampleShape.reduce((a, b) => a * b, 1)] }),
  takesCodedInputs: true,
  apply: (_p, split) => split, // samples are stored flat already; only the declared shape changes
});

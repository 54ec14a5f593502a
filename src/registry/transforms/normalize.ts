import { defineTransform } from '../kinds.js';
import { sharedFloat32 } from '../../util/shared.js';
import { codesOf, isCoded } from '../../util/split-values.js';

export default defineTransform<{ mean: number; std: number }>({
  type: 'normalize',
  summary: '(x - mean) / std on every input value, as torchvision Normalize (e.g. MNIST: mean 0.1307, std 0.3081)',
  params: {
    type: 'object',
    properties: {
      mean: { type: 'number', description: 'Subtracted from every input value' },
      std: { type: 'number', exclusiveMinimum: 0, description: 'Every input value is divided by it' },
    },
    required: ['mean', 'std'],
    additionalProperties: false,
  },
  // On bytes it rewrites the 256 codes, with the arithmetic it applies to floats: the same bits.
  takesCodedInputs: true,
  apply({ mean, std }, split) {
    if (isCoded(split)) return { ...split, codes: codesOf(split).map((v) => (v - mean) / std) };
    const x = sharedFloat32(split.x.length);
    for (let i = 0; i < x.length; i++) x[i] = (split.x[i] - mean) / std;
    return { ...split, x };
  },
});

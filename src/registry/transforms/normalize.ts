import { defineTransform } from '../kinds.js';
import { sharedFloat32 } from '../../util/shared.js';
import { codeOf, isCoded } from '../../util/split-values.js';

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
  // On bytes the code absorbs it: (b·s + o − mean) / std = b·(s/std) + (o − mean)/std.
  takesCodedInputs: true,
  apply({ mean, std }, split) {
    if (isCoded(split)) {
      const { scale, offset } = codeOf(split);
      return { ...split, scale: scale / std, offset: (offset - mean) / std };
    }
    const x = sharedFloat32(split.x.length);
    for (let i = 0; i < x.length; i++) x[i] = (split.x[i] - mean) / std;
    return { ...split, x };
  },
});

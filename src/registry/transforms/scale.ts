import { defineTransform } from '../kinds.js';
import { sharedFloat32 } from '../../util/shared.js';
import { codesOf, isCoded } from '../../util/split-values.js';

export default defineTransform<{ factor: number }>({
  type: 'scale',
  summary: 'Multiplies every input value by factor (e.g. 1/255 for raw bytes, as torchvision ToTensor)',
  params: {
    type: 'object',
    properties: { factor: { type: 'number', description: 'Factor applied to every input value' } },
    required: ['factor'],
    additionalProperties: false,
  },
  // On bytes it rewrites the 256 codes, with the arithmetic it applies to floats: the same bits.
  takesCodedInputs: true,
  apply({ factor }, split) {
    if (isCoded(split)) return { ...split, codes: codesOf(split).map((v) => v * factor) };
    const x = sharedFloat32(split.x.length);
    for (let i = 0; i < x.length; i++) x[i] = split.x[i] * factor;
    return { ...split, x };
  },
});

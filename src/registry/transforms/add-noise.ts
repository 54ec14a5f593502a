import { defineTransform } from '../kinds.js';
import { sharedFloat32 } from '../../util/shared.js';

export interface AddNoiseParams {
  kind: 'gaussian' | 'saltAndPepper';
  std: number;
  amount: number;
  clip: boolean;
  seed: number;
}

/** Standard normal from two uniforms (Box–Muller). */
function gaussian(random: () => number): number {
  const u = 1 - random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}

export default defineTransform<AddNoiseParams>({
  type: 'addNoise',
  summary: 'Adds seeded noise to the inputs and keeps the clean inputs as targets (a denoising autoencoder: pair with mse or l1)',
  params: {
    type: 'object',
    properties: {
      kind: { enum: ['gaussian', 'saltAndPepper'], default: 'gaussian', description: 'gaussian: x + N(0, std²); saltAndPepper: a fraction amount of values set to 0 or 1' },
      std: { type: 'number', minimum: 0, default: 0.1, description: 'Standard deviation of gaussian noise' },
      amount: { type: 'number', minimum: 0, maximum: 1, default: 0.05, description: 'Fraction of values salt-and-pepper noise replaces' },
      clip: { type: 'boolean', default: true, description: 'Clip noisy values to [0, 1]' },
      seed: { type: 'integer', minimum: 0, maximum: 4294967295, default: 0, description: 'Seed of the noise (the same for every trial)' },
    },
    additionalProperties: false,
  },
  task: 'reconstruction',
  facts: (_p, facts) => ({ ...facts, targetShape: [facts.sampleShape.reduce((a, b) => a * b, 1)] }),
  apply({ kind, std, amount, clip }, split, { random }) {
    const x = sharedFloat32(split.x.length);
    const target = sharedFloat32(split.x.length);
    target.set(split.x);
    for (let i = 0; i < x.length; i++) {
      let v = split.x[i];
      if (kind === 'gaussian') v += std * gaussian(random);
      else if (random() < amount) v = random() < 0.5 ? 0 : 1;
      x[i] = clip ? Math.min(1, Math.max(0, v)) : v;
    }
    return { ...split, x, target };
  },
});

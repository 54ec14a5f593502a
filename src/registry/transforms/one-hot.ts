import { defineTransform } from '../kinds.js';
import { sharedFloat32 } from '../../util/shared.js';

export default defineTransform<Record<string, never>>({
  type: 'oneHot',
  summary: 'Makes the targets one-hot rows of the class labels (for mse or l1 on classes)',
  params: { type: 'object', properties: {}, additionalProperties: false },
  task: 'classification',
  facts: (_p, facts) => ({ ...facts, targetShape: [facts.classes] }),
  takesCodedInputs: true,
  apply(_p, split, { facts }) {
    const target = sharedFloat32(split.count * facts.classes);
    for (let i = 0; i < split.count; i++) target[i * facts.classes + split.y[i]] = 1;
    return { ...split, target };
  },
});

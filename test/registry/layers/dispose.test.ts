// A layer's runtime owns its variables and state and nothing else: disposing them gives back every
// tensor it made (a trial disposes its model that way, and a worker trains trial after trial).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { createRegistries } from '../../../src/registry/index.js';
import type { PluginSpec } from '../../../src/registry/kinds.js';
import { withDefaults } from './torch.js';

const golden = JSON.parse(readFileSync(new URL('../../../../test/fixtures/golden/layers.json', import.meta.url), 'utf8')) as { cases: { layer: PluginSpec; inputShape: number[] }[] };
const registries = createRegistries();

/** Every image layer as the golden cases make it, and dense. */
const cases: { layer: PluginSpec; inputShape: number[] }[] = [
  ...golden.cases.map((c) => ({ layer: c.layer, inputShape: c.inputShape.slice(1) })),
  { layer: { type: 'dense', units: 3 }, inputShape: [4] },
  { layer: { type: 'batchNorm' }, inputShape: [4] },
];

describe('layers: a runtime disposed leaves no tensor behind', () => {
  before(async () => {
    await registries.backends.get('cpu').load({ backends: registries.backends });
  });

  for (const { layer, inputShape } of cases) {
    it(`${JSON.stringify(layer)} on [${inputShape.join(', ')}]`, () => {
      const plugin = registries.layers.get(layer.type);
      const before = tf.memory();
      const runtime = plugin.create(withDefaults(plugin, layer), { tf: tf as never, inputShape, random: () => 0.5, index: 0, inputNeedsGrad: true });
      tf.dispose([...runtime.variables, ...(runtime.state ?? [])]);
      const after = tf.memory();
      assert.deepEqual([after.numTensors, after.numBytes], [before.numTensors, before.numBytes]);
    });
  }
});

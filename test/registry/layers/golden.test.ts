// Every image layer's forward and backward pass against torch.nn (test/fixtures/golden/layers.json,
// written by scripts/golden-layers.py), in training and evaluation mode, on every CPU backend.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { createRegistries } from '../../../src/registry/index.js';
import type { PluginSpec } from '../../../src/registry/kinds.js';
import { toInternal, toTorch } from '../../../src/registry/layers/layout.js';
import { loadBackendOrSkip } from '../../backends.js';
import { closeness, det, fromTorch, toTorchValues, withDefaults } from './torch.js';

interface GoldenCase {
  layer: PluginSpec;
  inputShape: number[];
  output: number[];
  outputShape: number[];
  inputGrad: number[];
  params: Record<string, { shape: number[]; grad: number[] }>;
  paramSeed: number;
  state?: Record<string, number[]>;
  evalOutput?: number[];
}

const golden = JSON.parse(readFileSync(new URL('../../../../test/fixtures/golden/layers.json', import.meta.url), 'utf8')) as { cases: GoldenCase[] };
const registries = createRegistries();
const norms = new Set(['batchNorm', 'layerNorm']);

const describeCase = (c: GoldenCase) => `${c.layer.type} ${JSON.stringify(withDefaults(registries.layers.get(c.layer.type), c.layer))} on [${c.inputShape.join(', ')}]`;

for (const backend of ['cpu', 'wasm', 'wasm-blas']) describe(`layers against torch.nn on ${backend}`, () => {
  before(async function () {
    await loadBackendOrSkip(this, registries, backend);
  });

  for (const c of golden.cases) {
    it(describeCase(c), () => {
      const plugin = registries.layers.get(c.layer.type);
      const params = withDefaults(plugin, c.layer);
      const layer = plugin.create(params, { tf: tf as never, inputShape: c.inputShape.slice(1), random: () => 0.5, index: 0, inputNeedsGrad: true });
      const names = layer.names ?? ['weight', 'bias'];
      assert.deepEqual(plugin.outputShape(params, c.inputShape.slice(1)), c.outputShape.slice(1), 'outputShape');
      assert.deepEqual(names.slice(0, layer.variables.length), Object.keys(c.params), 'variable names');
      layer.variables.forEach((v, k) => {
        const { shape } = c.params[names[k]!]!;
        const values = det(shape.reduce((a, b) => a * b, 1), c.paramSeed + k);
        if (norms.has(c.layer.type) && names[k] === 'weight') values.forEach((x, i) => (values[i] = 1 + 0.2 * x));
        v.assign(fromTorch(c.layer.type, names[k]!, values, shape));
      });
      const x = tf.tensor(det(c.inputShape.reduce((a, b) => a * b, 1), 1), c.inputShape);
      const r = tf.tensor(det(c.output.length, 99), c.outputShape);
      let output: tf.Tensor | undefined;
      const f = (...args: tf.Tensor[]) => {
        const y = toTorch(tf as never, layer.apply(toInternal(tf as never, args[0]!), true));
        output = tf.keep(y.clone());
        return tf.sum(tf.mul(y, r));
      };
      const grads = tf.grads(f)([x, ...layer.variables]);
      assert.deepEqual(output!.shape, c.outputShape);
      const check = (what: string, got: ArrayLike<number>, want: number[]) => {
        const worst = closeness(got, want);
        assert.ok(worst <= 1, `${what}: ${worst.toFixed(2)}× the tolerance`);
      };
      check('output', output!.dataSync(), c.output);
      check('input gradient', grads[0]!.dataSync(), c.inputGrad);
      layer.variables.forEach((_, k) => check(`gradient of ${names[k]}`, toTorchValues(c.layer.type, names[k]!, grads[k + 1]!), c.params[names[k]!]!.grad));
      if (c.state) {
        const state = layer.state ?? [];
        assert.deepEqual(names.slice(layer.variables.length), Object.keys(c.state), 'state names');
        state.forEach((s, k) => check(`state ${names[layer.variables.length + k]}`, s.dataSync(), c.state![names[layer.variables.length + k]!]!));
        check('output in evaluation', toTorch(tf as never, layer.apply(toInternal(tf as never, x), false)).dataSync(), c.evalOutput!);
      }
      tf.dispose([x, r, output!, ...grads, ...layer.variables, ...(layer.state ?? [])]);
    });
  }
});

// A small CNN's first 20 training steps equal torch's from the same weights and batches
// (test/fixtures/golden/cnn-steps.json, written by scripts/golden-layers.py): the layers, their
// layout against torch's, batch norm's state and the optimizer together.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { createRegistries } from '../../src/registry/index.js';
import type { PluginSpec } from '../../src/registry/kinds.js';
import { torchPermutation } from '../../src/registry/layers/torch-layout.js';
import { buildModel } from '../../src/runner/model.js';
import { Random } from '../../src/util/random.js';
import { loadBackendOrSkip } from '../backends.js';
import { closeness, det, fromTorch, toTorchValues, withDefaults } from '../registry/layers/torch.js';

interface StepsCase {
  layers: (PluginSpec | string)[];
  batchNorm: boolean;
  optimizer: { type: string; lr: number; momentum?: number };
  paramSeed: number;
  losses: number[];
  final: Record<string, { head: number[]; sum: number; abs: number }>;
  evalLogits: number[];
}

const golden = JSON.parse(readFileSync(new URL('../../../test/fixtures/golden/cnn-steps.json', import.meta.url), 'utf8')) as { cases: StepsCase[] };
const registries = createRegistries();

/** The first 160 digits as the script takes them: digit i % 10, the (i // 10)-th of its class. */
function digits(): { x: Float32Array; y: Int32Array } {
  const dir = join(dirname(createRequire(import.meta.url).resolve('mnist')), 'digits');
  const byClass = Array.from({ length: 10 }, (_, c) => (JSON.parse(readFileSync(join(dir, `${c}.json`), 'utf8')) as { data: number[] }).data);
  const x = new Float32Array(160 * 784);
  const y = new Int32Array(160);
  for (let i = 0; i < 160; i++) {
    const c = i % 10;
    const k = Math.floor(i / 10);
    x.set(byClass[c]!.slice(k * 784, (k + 1) * 784), i * 784);
    y[i] = c;
  }
  return { x, y };
}

// Not on cpu: its convolutions take most of a minute for these 20 steps on a loaded machine; the
// layers' golden tests (test/registry/layers/golden.test.ts) hold cpu to torch layer by layer.
for (const backend of ['wasm', 'wasm-blas']) describe(`a small CNN's first 20 steps against torch on ${backend}`, () => {
  before(async function () {
    await loadBackendOrSkip(this, registries, backend);
  });

  for (const c of golden.cases) {
    it(`${c.batchNorm ? 'with batch norm, ' : ''}${c.optimizer.type}: every step's loss, the weights and running statistics after, the logits in evaluation`, () => {
      const layers = c.layers.map((l) => {
        const spec = typeof l === 'string' ? { type: l } : l;
        return { type: spec.type, ...withDefaults(registries.layers.get(spec.type), spec) } as PluginSpec;
      });
      const model = buildModel(tf as never, layers, registries, [1, 28, 28], new Random(0));
      const typeOf = (name: string) => layers[Number(name.split('.')[0])]!.type;
      // Weights from det in torch's layout, scaled by 2/√fanIn; batch norm keeps its init, as the script does.
      const fanIn = new Map<string, number>();
      model.variables.forEach((v, k) => {
        const name = model.names.variables[k]!;
        const perm = torchPermutation(typeOf(name), name.split('.')[1]!, v.rank);
        const torchShape = perm ? perm.map((axis) => v.shape[axis]!) : v.shape;
        const layer = name.split('.')[0]!;
        if (name.endsWith('.weight')) fanIn.set(layer, torchShape.slice(1).reduce((a, b) => a * b, 1));
        if (typeOf(name) === 'batchNorm') return;
        const values = det(v.size, c.paramSeed + k).map((x) => x * (2 / Math.sqrt(fanIn.get(layer)!)));
        v.assign(fromTorch(typeOf(name), name.split('.')[1]!, values, torchShape));
      });
      const { type, ...optimizerParams } = c.optimizer;
      const plugin = registries.optimizers.get(type);
      const optimizer = plugin.create({ ...withDefaults(plugin as never, { type }), ...optimizerParams }, { tf: tf as never });
      const loss = registries.losses.get('crossEntropy').create({ labelSmoothing: 0 }, { tf: tf as never });
      const { x, y } = digits();
      const losses: number[] = [];
      for (let step = 0; step < 20; step++) {
        const value = tf.tidy(() => {
          const xb = tf.tensor(x.subarray(step * 8 * 784, (step + 1) * 8 * 784), [8, 1, 28, 28]);
          const yb = tf.tensor1d(y.subarray(step * 8, (step + 1) * 8), 'int32');
          const { value, grads } = tf.variableGrads(() => loss(model.apply(xb, true), yb), model.variables);
          optimizer.step(model.variables, model.variables.map((v) => grads[v.name]!), c.optimizer.lr);
          return value;
        });
        losses.push(value.dataSync()[0]!);
        value.dispose();
      }
      assert.ok(closeness(losses, c.losses, 2e-4, 1e-5) <= 1, `losses ${losses.map((l) => l.toFixed(5))} vs torch ${c.losses.map((l) => l.toFixed(5))}`);
      const tensors = [...model.variables, ...model.state];
      const names = [...model.names.variables, ...model.names.state];
      assert.deepEqual(names.filter((n) => !n.endsWith('num_batches_tracked')).sort(), Object.keys(c.final).sort());
      tensors.forEach((t, k) => {
        const name = names[k]!;
        if (name.endsWith('num_batches_tracked')) return assert.equal(t.dataSync()[0], 20);
        const values = toTorchValues(typeOf(name), name.split('.')[1]!, t);
        const want = c.final[name]!;
        // 20 steps of float32 rounding, in another order than torch's, amplified by momentum: looser than one step.
        assert.ok(closeness(values.slice(0, 16), want.head, 2e-3, 2e-4) <= 1, `${name}: first values ${Array.from(values.slice(0, 4))} vs ${want.head.slice(0, 4)}`);
        const abs = values.reduce((a, v) => a + Math.abs(v), 0);
        assert.ok(Math.abs(abs - want.abs) <= 2e-3 * want.abs + 1e-4, `${name}: sum of magnitudes ${abs} vs ${want.abs}`);
      });
      const logits = tf.tidy(() => model.apply(tf.tensor(x.subarray(0, 8 * 784), [8, 1, 28, 28]), false).dataSync());
      assert.ok(closeness(logits, c.evalLogits, 2e-3, 2e-4) <= 1, `logits in evaluation ${Array.from(logits.slice(0, 4))} vs ${c.evalLogits.slice(0, 4)}`);
      optimizer.dispose();
      model.dispose();
    });
  }
});

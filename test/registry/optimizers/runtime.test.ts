// What createRuntime gives every optimizer: the same checks for all nine, state read asynchronously
// as of the call, and the fused hook (a rule's step in the backend's kernel where it has one).
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { createRegistries } from '../../../src/registry/index.js';
import { createRuntime, type UpdateRule } from '../../../src/registry/optimizers/runtime.js';
import type { OptimizerPlugin } from '../../../src/registry/kinds.js';

const registries = createRegistries();
const defaults = (plugin: OptimizerPlugin) => Object.fromEntries(Object.entries(plugin.params.properties).map(([k, s]) => [k, s.default]));

describe('optimizers/runtime', () => {
  before(async () => {
    await registries.backends.get('cpu').load({ backends: registries.backends });
  });

  for (const plugin of registries.optimizers.list()) {
    it(`${plugin.type}: a learning rate that is not a finite number is refused, the parameters untouched`, () => {
      const runtime = plugin.create({ ...defaults(plugin), ...(plugin.type === 'sgd' ? { momentum: 0.9 } : {}) }, { tf: tf as never });
      const param = tf.variable(tf.tensor1d([1, 2, 3, 4, 5]));
      const grad = tf.ones([5]);
      for (const lr of [NaN, Infinity, -Infinity]) {
        assert.throws(() => runtime.step([param], [grad], lr), new RegExp(`^Error: ${plugin.type}: lr must be a finite number, got ${lr}$`));
      }
      assert.deepEqual(Array.from(param.dataSync()), [1, 2, 3, 4, 5]);
      runtime.dispose();
      tf.dispose([param, grad]);
    });

    it(`${plugin.type}: getState() is a promise of the state as of the call, even when a step follows before it resolves`, async () => {
      const runtime = plugin.create(defaults(plugin), { tf: tf as never });
      const param = tf.variable(tf.tensor1d([1, -2, 3, -4, 5]));
      const grads = [tf.tensor1d([0.5, 0.25, -1, 2, 0]), tf.tensor1d([1, 1, 1, 1, 1])];
      runtime.step([param], [grads[0]!], 0.1);
      const pending = runtime.getState();
      assert.ok(pending instanceof Promise);
      const fresh = plugin.create(defaults(plugin), { tf: tf as never });
      const freshParam = tf.variable(tf.tensor1d([1, -2, 3, -4, 5]));
      fresh.step([freshParam], [grads[0]!], 0.1);
      const expected = await fresh.getState();
      runtime.step([param], [grads[1]!], 0.1);
      const state = await pending;
      assert.equal(state.step, 1);
      assert.deepEqual(
        Object.fromEntries(Object.entries(state.buffers).map(([k, v]) => [k, v.map((a) => a && Array.from(a))])),
        Object.fromEntries(Object.entries(expected.buffers).map(([k, v]) => [k, v.map((a) => a && Array.from(a))])),
      );
      [runtime, fresh].forEach((r) => r.dispose());
      tf.dispose([param, freshParam, ...grads]);
    });
  }

  describe('the fused hook', () => {
    /** p = p - lr * g as a rule, its fused step sgd's; counts what ran. */
    function plainSgd(fused: boolean) {
      const calls = { perStep: 0, update: 0 };
      const rule: UpdateRule<{ negLr: tf.Scalar }> = {
        buffers: [],
        perStep: (_t, lr) => (calls.perStep++, { negLr: tf.scalar(-lr) }),
        update: (param, grad, _prev, s) => (calls.update++, { value: tf.add(param, tf.mul(grad, s.negLr)), slot: {} }),
        ...(fused ? { fused: (_t: number, lr: number) => ({ rule: 'sgd' as const, lr, maximize: false, weightDecay: 0, momentum: 0, dampening: 0, nesterov: false }) } : {}),
        dispose() {},
      };
      return { runtime: createRuntime(tf as never, 'plain', rule), calls };
    }

    after(async () => {
      await tf.setBackend('cpu');
    });

    it("on a backend without the kernel (cpu), the rule's tensor ops run", async () => {
      await tf.setBackend('cpu');
      const { runtime, calls } = plainSgd(true);
      const param = tf.variable(tf.ones([8]));
      const grad = tf.ones([8]);
      runtime.step([param], [grad], 0.5);
      assert.deepEqual(calls, { perStep: 1, update: 1 });
      assert.deepEqual(Array.from(param.dataSync()), new Array(8).fill(0.5));
      runtime.dispose();
      tf.dispose([param, grad]);
    });

    it("on wasm, the kernel takes what it can and the scalars of the ops are made only when a parameter needs them", async () => {
      await registries.backends.get('wasm').load({ backends: registries.backends });
      const big = tf.variable(tf.ones([8]));
      const small = tf.variable(tf.ones([2]));
      const grads = [tf.ones([8]), tf.ones([2])];
      const bigOnly = plainSgd(true);
      bigOnly.runtime.step([big], [grads[0]!], 0.5);
      assert.deepEqual(bigOnly.calls, { perStep: 0, update: 0 }, 'the fused kernel took the one parameter');
      const both = plainSgd(true);
      both.runtime.step([big, small], grads, 0.5);
      assert.deepEqual(both.calls, { perStep: 1, update: 1 }, 'the two-value parameter took the ops');
      assert.deepEqual(Array.from(big.dataSync()), new Array(8).fill(0));
      assert.deepEqual(Array.from(small.dataSync()), [0.5, 0.5]);
      const without = plainSgd(false);
      without.runtime.step([big], [grads[0]!], 0.5);
      assert.deepEqual(without.calls, { perStep: 1, update: 1 }, 'a rule without the hook keeps its ops');
      [bigOnly, both, without].forEach((r) => r.runtime.dispose());
      tf.dispose(grads);
      tf.dispose([big, small]);
    });
  });
});

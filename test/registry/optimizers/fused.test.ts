// The fused SGD, Adam, AdamW, RMSprop and Adagrad loops on the wasm backends against the tensor-op
// path on cpu: the same float32 operations in the same order, so every parameter and state value
// must have the same bits.
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import adam from '../../../src/registry/optimizers/adam.js';
import adamw from '../../../src/registry/optimizers/adamw.js';
import adagrad from '../../../src/registry/optimizers/adagrad.js';
import rmsprop from '../../../src/registry/optimizers/rmsprop.js';
import sgd from '../../../src/registry/optimizers/sgd.js';
import { kernelsFor, type FusedStep } from '../../../src/kernels/index.js';
import { cachesWeightsByMemory, clearCachesByMemory, markCachesByMemory } from '../../../src/kernels/wasm/updates.js';
import { createRegistries } from '../../../src/registry/index.js';
import { Random } from '../../../src/util/random.js';
import type { OptimizerPlugin, OptimizerState } from '../../../src/registry/kinds.js';
import { loadBackendOrSkip } from '../../backends.js';
import { countDispatches } from '../../../src/registry/backends/dawn.js';

/**
 * Sizes: one vector, a tail that overlaps the last vector, a larger odd one, one below a vector
 * (tensor ops), and whole vectors (updated in place from the second step).
 */
const SHAPES = [[4], [7, 5], [3, 331], [3], [8, 12]];
const LRS = [0.1, 0.1, 0.05, 0.3, 0.02];

const CASES: { name: string; plugin: OptimizerPlugin; params: Record<string, unknown> }[] = [
  { name: 'sgd', plugin: sgd, params: { lr: 0.1, momentum: 0, dampening: 0, nesterov: false, weightDecay: 0, maximize: false } },
  { name: 'sgd momentum', plugin: sgd, params: { lr: 0.1, momentum: 0.9, dampening: 0, nesterov: false, weightDecay: 0, maximize: false } },
  { name: 'sgd momentum dampening weight decay', plugin: sgd, params: { lr: 0.1, momentum: 0.8, dampening: 0.3, nesterov: false, weightDecay: 0.01, maximize: false } },
  { name: 'sgd nesterov maximize', plugin: sgd, params: { lr: 0.1, momentum: 0.9, dampening: 0, nesterov: true, weightDecay: 0, maximize: true } },
  { name: 'sgd weight decay, no momentum', plugin: sgd, params: { lr: 0.1, momentum: 0, dampening: 0, nesterov: false, weightDecay: 0.05, maximize: false } },
  { name: 'adam', plugin: adam, params: { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, amsgrad: false, maximize: false } },
  { name: 'adam weight decay maximize', plugin: adam, params: { lr: 1e-2, betas: [0.8, 0.99], eps: 1e-3, weightDecay: 0.1, amsgrad: false, maximize: true } },
  { name: 'adam amsgrad (tensor ops on every backend)', plugin: adam, params: { lr: 1e-2, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, amsgrad: true, maximize: false } },
  { name: 'adamw', plugin: adamw, params: { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 1e-2, amsgrad: false, maximize: false } },
  { name: 'adamw large decay maximize', plugin: adamw, params: { lr: 3e-2, betas: [0.8, 0.99], eps: 1e-3, weightDecay: 0.7, amsgrad: false, maximize: true } },
  { name: 'adamw without decay', plugin: adamw, params: { lr: 1e-2, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, amsgrad: false, maximize: false } },
  { name: 'adamw amsgrad (tensor ops on every backend)', plugin: adamw, params: { lr: 1e-2, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 1e-2, amsgrad: true, maximize: false } },
  { name: 'rmsprop', plugin: rmsprop, params: { lr: 1e-2, alpha: 0.99, eps: 1e-8, weightDecay: 0, momentum: 0, centered: false, maximize: false } },
  { name: 'rmsprop centered momentum weight decay', plugin: rmsprop, params: { lr: 5e-3, alpha: 0.9, eps: 1e-8, weightDecay: 0.01, momentum: 0.9, centered: true, maximize: false } },
  { name: 'rmsprop momentum maximize', plugin: rmsprop, params: { lr: 1e-3, alpha: 0.99, eps: 1e-4, weightDecay: 0, momentum: 0.5, centered: false, maximize: true } },
  { name: 'rmsprop centered', plugin: rmsprop, params: { lr: 3e-3, alpha: 0.95, eps: 1e-6, weightDecay: 0, momentum: 0, centered: true, maximize: false } },
  { name: 'adagrad', plugin: adagrad, params: { lr: 1e-2, lrDecay: 0, weightDecay: 0, initialAccumulatorValue: 0, eps: 1e-10, maximize: false } },
  { name: 'adagrad lr decay accumulator weight decay', plugin: adagrad, params: { lr: 5e-2, lrDecay: 0.05, weightDecay: 0.01, initialAccumulatorValue: 0.1, eps: 1e-8, maximize: false } },
  { name: 'adagrad maximize', plugin: adagrad, params: { lr: 5e-2, lrDecay: 0.01, weightDecay: 0, initialAccumulatorValue: 0, eps: 1e-10, maximize: true } },
];

/** Values that exercise rounding: wide magnitudes, both signs, exact zeros and negative zeros. */
function values(random: Random, n: number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const r = random.next();
    out[i] = i % 17 === 0 ? 0 : i % 19 === 0 ? -0 : (r - 0.5) * 10 ** Math.floor(random.next() * 8 - 5);
  }
  return out;
}

interface Trajectory {
  params: Float32Array[][];
  states: OptimizerState[];
}

/** Five steps of one optimizer on the active backend; params and state after each. */
async function trajectory(plugin: OptimizerPlugin, params: Record<string, unknown>): Promise<Trajectory> {
  const random = new Random(11);
  const variables = SHAPES.map((shape) => tf.tidy(() => tf.variable(tf.tensor(values(random, shape.reduce((a, b) => a * b)), shape, 'float32'))));
  const runtime = plugin.create(params as never, { tf: tf as never });
  const out: Trajectory = { params: [], states: [] };
  for (const lr of LRS) {
    const grads = SHAPES.map((shape) => tf.tensor(values(random, shape.reduce((a, b) => a * b)), shape, 'float32'));
    runtime.step(variables, grads, lr);
    tf.dispose(grads);
    // Read asynchronously: webgpu has no dataSync in Node.
    out.params.push(await Promise.all(variables.map(async (v) => Float32Array.from((await v.data()) as Float32Array))));
    out.states.push(await runtime.getState());
  }
  runtime.dispose();
  tf.dispose(variables);
  return out;
}

/** Index of the first value whose bits differ, or -1. */
function firstDifference(a: Float32Array, b: Float32Array): number {
  const x = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const y = new Uint32Array(b.buffer, b.byteOffset, b.length);
  if (x.length !== y.length) return 0;
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return i;
  return -1;
}

function assertSameBits(actual: Trajectory, expected: Trajectory): void {
  for (let s = 0; s < LRS.length; s++) {
    actual.params[s]!.forEach((a, p) => {
      const i = firstDifference(a, expected.params[s]![p]!);
      assert.equal(i, -1, `step ${s + 1} param ${p} [${i}]: ${a[i]} vs ${expected.params[s]![p]![i]}`);
    });
    assert.equal(actual.states[s]!.step, expected.states[s]!.step);
    for (const [name, buffers] of Object.entries(expected.states[s]!.buffers)) {
      buffers.forEach((b, p) => {
        const a = actual.states[s]!.buffers[name]![p]!;
        if (b === null) return assert.equal(a, null, `${name} ${p}`);
        const i = firstDifference(a, b);
        assert.equal(i, -1, `step ${s + 1} ${name} ${p} [${i}]: ${a[i]} vs ${b[i]}`);
      });
    }
  }
}

describe('optimizers/fused', () => {
  const registries = createRegistries();
  const expected = new Map<string, Trajectory>();
  const expectedOf = (name: string) => expected.get(name)!;

  before(async () => {
    await registries.backends.get('cpu').load({ backends: registries.backends });
    for (const c of CASES) expected.set(c.name, await trajectory(c.plugin, c.params));
  });

  it('is not a kernel of the cpu backend', async () => {
    await tf.setBackend('cpu');
    assert.equal(kernelsFor(tf as never).fusedUpdate, undefined);
  });

  for (const backend of ['wasm', 'wasm-blas']) {
    describe(`on ${backend}`, () => {
      before(async function () {
        await loadBackendOrSkip(this, registries, backend);
      });
      after(async () => {
        await tf.setBackend('cpu');
      });

      it('is available, and takes float32 parameters of at least one vector (smaller ones: null, the tensor ops run)', () => {
        const fused = kernelsFor(tf as never).fusedUpdate;
        assert.ok(fused);
        const step: FusedStep = { rule: 'sgd', lr: 0.1, maximize: false, weightDecay: 0, momentum: 0, dampening: 0, nesterov: false };
        const [small, big, ints] = [tf.variable(tf.zeros([3])), tf.variable(tf.zeros([2, 2])), tf.variable(tf.zeros([8], 'int32'))];
        const grads = [tf.zeros([3]), tf.zeros([8], 'int32'), tf.ones([2, 2])];
        const before = tf.memory().numTensors;
        assert.equal(fused(step, small, grads[0]!, null), null);
        assert.equal(fused(step, ints, grads[1]!, null), null);
        assert.equal(tf.memory().numTensors, before, 'nothing made for a parameter it does not take');
        const taken = fused(step, big, grads[2]!, null);
        assert.ok(taken);
        assert.deepEqual(Array.from(taken.value.dataSync()), [-0.1, -0.1, -0.1, -0.1].map(Math.fround));
        assert.deepEqual(Object.keys(taken.slot), [], 'no momentum buffer without momentum');
        tf.dispose([taken.value]);
        assert.equal(tf.memory().numTensors, before);
        tf.dispose([small, big, ints, ...grads]);
      });

      const kernelOf: Record<string, string> = { sgd: 'TrainyardFusedSgd', adam: 'TrainyardFusedAdam', adamw: 'TrainyardFusedAdam', rmsprop: 'TrainyardFusedRmsprop', adagrad: 'TrainyardFusedAdagrad' };
      for (const plugin of [sgd, adam, adamw, rmsprop, adagrad]) {
        it(`${plugin.type} runs one fused kernel per parameter`, async () => {
          const params = Object.fromEntries(Object.entries(plugin.params.properties).map(([k, v]) => [k, v.default]));
          const runtime = plugin.create((plugin.type === 'sgd' ? { ...params, momentum: 0.9 } : params) as never, { tf: tf as never });
          const vars = [tf.variable(tf.ones([5, 3])), tf.variable(tf.ones([3]))];
          const grads = vars.map((v) => tf.onesLike(v));
          const { kernels } = await tf.profile(() => runtime.step(vars, grads, 0.1));
          const names = kernels.map((k) => k.name);
          const fused = kernelOf[plugin.type]!;
          assert.equal(names.filter((n) => n === fused).length, 1, `the [5, 3] parameter: ${names.join(' ')}`);
          assert.ok(names.some((n) => n !== fused && n !== 'Identity'), 'the [3] parameter takes the tensor ops');
          runtime.dispose();
          tf.dispose([...vars, ...grads]);
        });
      }

      for (const c of CASES) {
        it(`${c.name}: five steps give the cpu tensor-op path's bits (params and state)`, async () => {
          assert.equal(tf.getBackend(), backend);
          const before = tf.memory().numTensors;
          assertSameBits(await trajectory(c.plugin, c.params), expected.get(c.name)!);
          assert.equal(tf.memory().numTensors, before, 'no tensors left behind');
        });
      }

      for (const c of CASES.filter((x) => ['sgd', 'sgd momentum', 'adam'].includes(x.name))) {
        it(`${c.name}: once its buffers exist, updates in place on wasm-blas only (no new tensors, the same data), except memory another tensor shares`, async function () {
          if (backend !== 'wasm-blas') {
            // XNNPACK's operators cache packed weights by their memory: in place, the next product would use stale weights.
            const param = tf.tidy(() => tf.variable(tf.ones([8, 12])));
            const runtime = c.plugin.create(c.params as never, { tf: tf as never });
            const grad = tf.onesLike(param);
            runtime.step([param], [grad], 0.1);
            const { kernels } = await tf.profile(() => runtime.step([param], [grad], 0.1));
            assert.ok(kernels.length > 0, 'the allocating kernel runs');
            runtime.dispose();
            tf.dispose([param, grad]);
            return;
          }
          // An earlier test of this process may have run an XNNPACK kernel here (marking the backend);
          // none of this test's new tensors is in its cache, so the mark is cleared for it and restored.
          const marked = cachesWeightsByMemory(tf.backend());
          clearCachesByMemory(tf.backend());
          const param = tf.tidy(() => tf.variable(tf.tensor(values(new Random(3), 96), [8, 12], 'float32')));
          const grad = tf.tensor(values(new Random(4), 96), [8, 12], 'float32');
          const runtime = c.plugin.create(c.params as never, { tf: tf as never });
          runtime.step([param], [grad], 0.1); // first step: the buffers are made
          const before = tf.memory().numTensors;
          const dataId = param.dataId;
          const { kernels } = await tf.profile(() => runtime.step([param], [grad], 0.1));
          assert.deepEqual(kernels.map((k) => k.name), [], 'no kernel runs: the loop writes over the parameter and its buffers');
          assert.equal(param.dataId, dataId);
          assert.equal(tf.memory().numTensors, before);
          // A kept clone (the best epoch's weights) shares the data: the next step must leave it alone.
          const best = tf.keep(param.clone());
          const kept = Float32Array.from(await best.data());
          runtime.step([param], [grad], 0.1);
          assert.equal(firstDifference(Float32Array.from(await best.data()), kept), -1, 'the clone kept its values');
          assert.notEqual(firstDifference(Float32Array.from(await param.data()), kept), -1, 'the parameter moved');
          runtime.dispose();
          tf.dispose([param, grad, best]);
          if (marked) markCachesByMemory(tf.backend());
        });
      }

      it('resumes from exported state with the same bits as straight steps', async () => {
        const c = CASES.find((x) => x.name === 'adam')!;
        const random = new Random(5);
        const make = () => tf.tidy(() => tf.variable(tf.tensor(values(new Random(9), 35), [7, 5], 'float32')));
        const grads = LRS.map(() => tf.tensor(values(random, 35), [7, 5], 'float32'));
        const straight = make();
        const a = c.plugin.create(c.params as never, { tf: tf as never });
        grads.forEach((g, s) => a.step([straight], [g], LRS[s]!));
        const resumed = make();
        const b = c.plugin.create(c.params as never, { tf: tf as never });
        grads.slice(0, 2).forEach((g, s) => b.step([resumed], [g], LRS[s]!));
        const c2 = c.plugin.create(c.params as never, { tf: tf as never });
        c2.setState(await b.getState(), [resumed]);
        grads.slice(2).forEach((g, s) => c2.step([resumed], [g], LRS[s + 2]!));
        assert.equal(firstDifference(resumed.dataSync() as Float32Array, straight.dataSync() as Float32Array), -1);
        [a, b, c2].forEach((r) => r.dispose());
        tf.dispose([straight, resumed, ...grads]);
      });

      it('rejects a gradient that does not match its parameter', () => {
        const fused = kernelsFor(tf as never).fusedUpdate!;
        const param = tf.variable(tf.zeros([8]));
        const grad = tf.zeros([9]);
        const before = tf.memory().numTensors;
        assert.throws(() => fused({ rule: 'sgd', lr: 0.1, maximize: false, weightDecay: 0, momentum: 0, dampening: 0, nesterov: false }, param, grad, null), /do not match/);
        assert.throws(() => fused({ rule: 'adam', negStepSize: -0.1, bc2Sqrt: 1, maximize: false, weightDecay: 0, betas: [0.9, 0.999], eps: 1e-8 }, param, grad, null), /do not match/);
        assert.equal(tf.memory().numTensors, before);
        tf.dispose([param, grad]);
      });
    });
  }

  /**
   * webgpu's WGSL updates (SGD with momentum, Adam, AdamW) against the cpu tensor-op path: the same
   * operations in the same order, but a GPU compiler may contract a * b + c into one fused
   * multiply-add and rounds its own sqrt and division, so within 4 float32 ulps (or 1e-30 of the
   * value's scale near zero) rather than bit for bit. The rules without a WGSL kernel run their
   * tensor ops there, held to the same bound.
   */
  describe('on webgpu', () => {
    before(async function () {
      await loadBackendOrSkip(this, registries, 'webgpu');
    });
    after(async () => {
      await tf.setBackend('cpu');
    });

    const ulps = (a: number, b: number) => {
      if (a === b || Math.abs(a - b) <= 1e-30) return 0;
      const spacing = Math.max(Math.abs(b) * 2 ** -23, 2 ** -149);
      return Math.abs(a - b) / spacing;
    };
    const assertClose = (a: Float32Array, b: Float32Array, what: string) => {
      assert.equal(a.length, b.length, what);
      let worst = 0;
      let at = -1;
      for (let i = 0; i < a.length; i++) {
        const u = ulps(a[i]!, b[i]!);
        if (u > worst) [worst, at] = [u, i];
      }
      assert.ok(worst <= 4, `${what} [${at}]: ${a[at]} vs ${b[at]} (${worst.toFixed(1)} ulps)`);
    };

    for (const c of CASES) {
      it(`${c.name}: five steps within 4 ulps of the cpu tensor-op path (params and state)`, async () => {
        assert.equal(tf.getBackend(), 'webgpu');
        const before = tf.memory().numTensors;
        const actual = await trajectory(c.plugin, c.params);
        const expected = expectedOf(c.name);
        for (let s = 0; s < LRS.length; s++) {
          actual.params[s]!.forEach((a, p) => assertClose(a, expected.params[s]![p]!, `step ${s + 1} param ${p}`));
          for (const [name, buffers] of Object.entries(expected.states[s]!.buffers)) {
            buffers.forEach((b, p) => (b === null ? assert.equal(actual.states[s]!.buffers[name]![p], null) : assertClose(actual.states[s]!.buffers[name]![p]!, b, `step ${s + 1} ${name} ${p}`)));
          }
        }
        assert.equal(tf.memory().numTensors, before, 'no tensors left behind');
      });
    }

    for (const [name, plugin, params] of [['sgd with momentum', sgd, { momentum: 0.9 }], ['adam', adam, {}], ['adamw', adamw, {}]] as const) {
      it(`${name}: one dispatch per parameter`, async () => {
        const defaults = Object.fromEntries(Object.entries(plugin.params.properties).map(([k, v]) => [k, v.default]));
        const runtime = plugin.create({ ...defaults, ...params } as never, { tf: tf as never });
        const vars = [tf.variable(tf.ones([5, 3])), tf.variable(tf.ones([300]))];
        const grads = vars.map((v) => tf.onesLike(v));
        await Promise.all(grads.map((g) => g.data()));
        const count = await countDispatches();
        for (let step = 0; step < 2; step++) {
          const before = count();
          runtime.step(vars, grads, 0.1);
          await vars[1]!.data();
          assert.equal(count() - before, 2, `step ${step + 1}: two parameters, two dispatches`);
        }
        runtime.dispose();
        tf.dispose([...vars, ...grads]);
      });
    }
  });

  // Last: once marked, a backend stays marked for the rest of the process.
  describe('on wasm-blas, after a kernel that caches weights by their memory', () => {
    before(async function () {
      await loadBackendOrSkip(this, registries, 'wasm-blas');
    });
    after(async () => {
      await tf.setBackend('cpu');
    });

    it('updates make new tensors again (XNNPACK prelu ran, so a weight updated in place would go stale there)', async () => {
      const c = CASES.find((x) => x.name === 'adam')!;
      const param = tf.tidy(() => tf.variable(tf.ones([8, 12])));
      const grad = tf.onesLike(param);
      const runtime = c.plugin.create(c.params as never, { tf: tf as never });
      runtime.step([param], [grad], 0.1);
      clearCachesByMemory(tf.backend()); // whatever earlier tests ran: this test marks it itself
      const before = await tf.profile(() => runtime.step([param], [grad], 0.1));
      assert.equal(before.kernels.length, 0, 'in place before prelu');
      tf.dispose(tf.prelu(tf.ones([2, 4]), param.slice([0, 0], [1, 4]).reshape([4])));
      const after = await tf.profile(() => runtime.step([param], [grad], 0.1));
      assert.ok(after.kernels.some((k) => k.name === 'TrainyardFusedAdam'), after.kernels.map((k) => k.name).join(' '));
      runtime.dispose();
      tf.dispose([param, grad]);
    });
  });
});

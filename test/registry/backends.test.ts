import assert from 'node:assert/strict';
import { createRegistries } from '../../src/registry/index.js';
import { cli } from '../run-helpers.js';
import { autoOrder } from '../../src/registry/backends/auto.js';
import { defineBackend } from '../../src/registry/kinds.js';
import { defaultWorkers } from '../../src/runner/run.js';

describe('backends', function () {
  this.timeout(60000);
  const registries = createRegistries();

  it('auto without a BLAS library falls back to plain wasm and says why each before it did not load', async () => {
    const saved = process.env.TRAINYARD_BLAS;
    process.env.TRAINYARD_BLAS = '/nonexistent/libcblas.so';
    try {
      const loaded = await registries.backends.get('auto').load({ backends: registries.backends });
      assert.equal(loaded.name, 'wasm');
      assert.deepEqual(
        loaded.tried.map((t) => t.name),
        ['tensorflow-gpu', 'webgpu', 'tensorflow', 'wasm-blas'],
      );
      assert.match(loaded.tried[0]!.error, /tfjs-node-gpu/);
      // This machine's reason: a software adapter only (lavapipe), no Vulkan driver, or no package webgpu.
      assert.match(loaded.tried[1]!.error, /only a software adapter|no Vulkan adapter|webgpu is not installed|cannot load here/);
      assert.match(loaded.tried[2]!.error, /tfjs-node/);
      assert.match(loaded.tried[3]!.error, /\/nonexistent\/libcblas\.so.*apt-get install libopenblas0-pthread/);
      const x = loaded.tf.tensor([1, 2, 3]);
      assert.deepEqual(Array.from(loaded.tf.mul(x, 2).dataSync()), [2, 4, 6]);
    } finally {
      if (saved === undefined) delete process.env.TRAINYARD_BLAS;
      else process.env.TRAINYARD_BLAS = saved;
    }
  });

  it('auto picks wasm-blas when OpenBLAS is present', async function () {
    let loaded;
    try {
      loaded = await registries.backends.get('auto').load({ backends: registries.backends });
    } catch (error) {
      throw new Error(`auto must always load something: ${(error as Error).message}`);
    }
    // OpenBLAS is a Debian package CI installs; a machine without it skips this, CI fails instead.
    if (loaded.name !== 'wasm-blas' && !process.env.CI) return this.skip();
    assert.equal(loaded.name, 'wasm-blas');
    assert.deepEqual(
      loaded.tried.map((t) => t.name),
      ['tensorflow-gpu', 'webgpu', 'tensorflow'],
    );
  });

  it('cpu always loads', async () => {
    assert.equal((await registries.backends.get('cpu').load({ backends: registries.backends })).name, 'cpu');
  });

  it('--backend tensorflow-gpu that cannot load is a clear error saying what it needs (exit 2)', () => {
    const result = cli(['run', 'experiments/lecture-25-optimizers.yaml', '--backend', 'tensorflow-gpu', '--out', '/tmp/trainyard-never-written']);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /backend 'tensorflow-gpu' cannot run/);
    assert.match(result.stderr, /CUDA 11\.2 and cuDNN 8\.1/);
    assert.match(result.stderr, /downloads libtensorflow/);
    assert.doesNotMatch(result.stderr, /\n\s+at /);
  });

  it('--backend with an unknown name lists the valid ones (exit 2)', () => {
    const result = cli(['run', 'experiments/lecture-25-optimizers.yaml', '--backend', 'wasn']);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /\(--backend wasn\) backend: unknown backend 'wasn'; did you mean 'wasm'\?/);
  });

  it("auto takes its order from the backends' own priorities: a user's backend with one is tried too", async () => {
    const regs = createRegistries();
    assert.deepEqual(autoOrder(regs.backends.list()), ['tensorflow-gpu', 'webgpu', 'tensorflow', 'wasm-blas', 'wasm', 'cpu']);
    regs.backends.register(
      defineBackend({ type: 'imaginary-npu', summary: 'a device nobody has', params: { type: 'object', properties: {} }, priority: 99, device: 'gpu', load: async () => { throw new Error('no NPU here'); } }),
    );
    regs.backends.register(defineBackend({ type: 'never-auto', summary: 'only by name', params: { type: 'object', properties: {} }, load: async () => { throw new Error('not me'); } }));
    assert.equal(autoOrder(regs.backends.list())[0], 'imaginary-npu');
    assert.ok(!autoOrder(regs.backends.list()).includes('never-auto'), 'without a priority auto never picks it');
    const loaded = await regs.backends.get('auto').load({ backends: regs.backends });
    assert.deepEqual(loaded.tried[0], { name: 'imaginary-npu', error: 'no NPU here' });
  });

  it("the default worker count is the backend's own fact: cores + 1 on one-thread backends, 1 on native TensorFlow", () => {
    const regs = createRegistries();
    assert.equal(defaultWorkers(3, regs.backends.get('wasm-blas'), 2), 3);
    assert.equal(defaultWorkers(9, regs.backends.get('wasm'), 2), 3);
    assert.equal(defaultWorkers(9, regs.backends.get('cpu'), 4), 5);
    assert.equal(defaultWorkers(9, regs.backends.get('tensorflow'), 16), 1);
    assert.equal(defaultWorkers(9, regs.backends.get('tensorflow-gpu'), 16), 1);
    assert.equal(defaultWorkers(9, regs.backends.get('webgpu'), 16), 1, 'one device, one trial at a time (measured on lavapipe)');
    assert.equal(regs.backends.get('webgpu').device, 'gpu');
    assert.equal(defaultWorkers(0, regs.backends.get('wasm'), 2), 1);
    assert.equal(regs.backends.get('tensorflow-gpu').device, 'gpu');
  });

  it("loading a backend leaves the process's error handlers as they were (the wasm backend's rethrow with exit 7)", async function () {
    const count = () => [process.listenerCount('uncaughtException'), process.listenerCount('unhandledRejection')];
    for (const name of ['wasm', 'cpu', 'wasm-blas', 'webgpu']) {
      const before = count();
      const regs = createRegistries();
      try {
        await regs.backends.get(name).load({ backends: regs.backends });
      } catch (error) {
        if ((name === 'wasm-blas' || name === 'webgpu') && !process.env.CI) continue; // no OpenBLAS or Vulkan here
        throw error;
      }
      assert.deepEqual(count(), before, name);
    }
  });
});

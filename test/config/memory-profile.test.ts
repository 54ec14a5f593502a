// The backends' measured memory costs, which the estimate's arithmetic takes as facts.
import assert from 'node:assert/strict';
import { heapBytes, memoryProfile as profileOf } from '../../src/config/memory-profile.js';
import { WASM_HEAP_LIMIT } from '../../src/registry/backends/memory.js';
import { createRegistries } from '../../src/registry/index.js';
import { defineBackend } from '../../src/registry/kinds.js';

const registries = createRegistries();
const memoryProfile = (name: string) => profileOf(name, registries);

const MB = 1024 * 1024;

describe('config/memory-profile: what each backend costs in memory', () => {
  it('has figures for every backend trainyard ships, measured or marked as not calibrated', () => {
    const shipped = createRegistries().backends.list().map((b) => b.type).filter((t) => t !== 'auto');
    for (const name of shipped) {
      const profile = memoryProfile(name);
      assert.equal(profile.backend, name);
      assert.ok(profile.processBytes > 0 && profile.workerBytes > 0 && profile.heapFactor > 0 && profile.checkpointCopies >= 1, name);
    }
    assert.deepEqual(shipped.filter((n) => memoryProfile(n).calibrated).sort(), ['cpu', 'wasm', 'wasm-blas']);
  });

  it('bounds the wasm heaps at 4 GB and runs the fused updates there only', () => {
    for (const name of ['wasm', 'wasm-blas']) {
      assert.equal(memoryProfile(name).heapLimitBytes, WASM_HEAP_LIMIT);
      assert.equal(memoryProfile(name).fusedUpdates, true);
    }
    assert.equal(WASM_HEAP_LIMIT, 4 * 1024 * MB - 65536);
    for (const name of ['cpu', 'tensorflow', 'tensorflow-gpu']) {
      assert.equal(memoryProfile(name).heapLimitBytes, undefined, name);
      assert.equal(memoryProfile(name).fusedUpdates, false, name);
    }
  });

  it("takes the figures from the backend plugin: a user's backend brings its own", () => {
    const own = createRegistries();
    const figures = { ...own.backends.get('cpu').memory!, processBytes: 7 * MB };
    own.backends.register(defineBackend({ type: 'mine', summary: 's', params: { type: 'object', properties: {} }, memory: figures, load: async () => { throw new Error('no'); } }));
    assert.deepEqual(profileOf('mine', own), { ...figures, backend: 'mine' });
  });

  it('counts auto as wasm-blas until a backend has loaded, and an unknown backend as cpu, not calibrated', () => {
    assert.deepEqual(memoryProfile('auto'), memoryProfile('wasm-blas'));
    const plugin = memoryProfile('myBackend');
    assert.deepEqual({ ...plugin, backend: 'cpu', calibrated: true }, memoryProfile('cpu'));
    assert.deepEqual([plugin.backend, plugin.calibrated], ['myBackend', false]);
  });

  it('a heap grows with the live tensors, and is never below the initial one', () => {
    const wasm = memoryProfile('wasm');
    assert.equal(heapBytes(wasm, 0), 25 * MB);
    assert.equal(heapBytes(wasm, 1000 * MB), Math.round(1000 * MB * 1.15 + 25 * MB));
    assert.equal(heapBytes({ heapFactor: 1, heapOverheadBytes: 0, heapInitialBytes: 16 * MB }, MB), 16 * MB);
  });
});

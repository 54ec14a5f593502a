// The webgpu backend on whatever Vulkan adapter this machine has (CI: Mesa's lavapipe, a CPU
// rasterizer). Without one the suite skips locally and fails in CI.
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { createRegistries } from '../../../src/registry/index.js';
import { loadBackendOrSkip } from '../../backends.js';
import { spawnSync } from 'node:child_process';
import { cli, CLI, ROOT } from '../../run-helpers.js';
import { countDispatches } from '../../../src/registry/backends/dawn.js';

describe('backends/webgpu', function () {
  this.timeout(120000);
  const registries = createRegistries();

  before(async function () {
    await loadBackendOrSkip(this, registries, 'webgpu');
  });
  after(async () => {
    await tf.setBackend('cpu');
  });

  it('loads with its adapter described as metrics.json records it', async () => {
    const loaded = await registries.backends.get('webgpu').load({ backends: registries.backends });
    assert.equal(loaded.name, 'webgpu');
    assert.equal(tf.getBackend(), 'webgpu');
    const a = loaded.adapter!;
    assert.deepEqual(Object.keys(a).sort(), ['architecture', 'device', 'driver', 'fallback', 'vendor']);
    for (const key of ['vendor', 'architecture', 'device', 'driver'] as const) assert.ok(typeof a[key] === 'string' && a[key].length > 0, key);
    assert.equal(typeof a.fallback, 'boolean');
    const product = tf.matMul(tf.tensor2d([[1, 2], [3, 4]]), tf.tensor2d([[5], [6]]));
    assert.deepEqual(Array.from(await product.data()), [17, 39]);
  });

  it('asked by auto, refuses a software adapter (and only that)', async () => {
    const loaded = await registries.backends.get('webgpu').load({ backends: registries.backends });
    const byAuto = registries.backends.get('webgpu').load({ backends: registries.backends, auto: true });
    if (loaded.adapter!.fallback) await assert.rejects(byAuto, /only a software adapter \(.*fallback.*\); auto takes webgpu on a hardware GPU only/);
    else assert.equal((await byAuto).name, 'webgpu');
  });

  it('asked by auto, looks at the adapter from a child process: on a software one Dawn never loads into this one', async function () {
    const loaded = await registries.backends.get('webgpu').load({ backends: registries.backends });
    if (!loaded.adapter!.fallback) return this.skip();
    const script = `const { createRegistries } = await import('./dist/src/registry/index.js');
      const r = createRegistries();
      const why = await r.backends.get('webgpu').load({ backends: r.backends, auto: true }).then(() => 'loaded', (e) => e.message);
      const maps = (await import('node:fs')).readFileSync('/proc/self/maps', 'utf8');
      console.log(JSON.stringify({ why, dawn: /dawn\.node|libvulkan/.test(maps) }));`;
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: ROOT, encoding: 'utf8' });
    assert.equal(child.status, 0, child.stderr);
    const { why, dawn } = JSON.parse(child.stdout.trim().split('\n').at(-1)!) as { why: string; dawn: boolean };
    assert.match(why, /only a software adapter \(.*fallback.*\); auto takes webgpu on a hardware GPU only/);
    assert.equal(dawn, false, 'dawn.node or the Vulkan loader is mapped into the process');
  });

  it('reads synchronously nowhere trainyard needs: dataSync fails here, which is why every read is data()', async () => {
    await registries.backends.get('webgpu').load({ backends: registries.backends });
    // A product runs on the device (small elementwise ops on values still on the host may not).
    const fresh = tf.matMul(tf.ones([2, 3]), tf.ones([3, 1]));
    const warn = console.warn;
    console.warn = () => {}; // TF.js's one-time advice to read asynchronously
    try {
      assert.throws(() => fresh.dataSync(), /OffscreenCanvas/);
    } finally {
      console.warn = warn;
    }
    assert.deepEqual(Array.from(await fresh.data()), [3, 3]);
  });

  it('counts its compute dispatches', async () => {
    await registries.backends.get('webgpu').load({ backends: registries.backends });
    const count = await countDispatches();
    const product = async () => {
      const before = count();
      await tf.matMul(tf.ones([4, 4]), tf.ones([4, 4])).data();
      return count() - before;
    };
    assert.equal(await product(), 1, 'one product, one dispatch');
    assert.equal(await product(), 1);
  });

  it('list backends prints one line for it with its adapter, and Dawn\'s warnings stay off the console', () => {
    const result = cli(['list', 'backends']);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^webgpu: can start \(adapter: \S+ \S+, (fallback|hardware)\)$/m);
    assert.match(result.stdout, /^wasm: can start$/m);
    assert.match(result.stdout, /^tensorflow: cannot start: @tensorflow\/tfjs-node is not installed/m);
    assert.match(result.stdout, /^auto picks: \S+$/m);
    assert.equal(result.stderr, '', 'nothing on stderr (Dawn prints "artificially reduced" warnings natively)');
  });
});

describe('backends/webgpu without a Vulkan driver', function () {
  this.timeout(120000);

  it('cannot start, in one line that says why (the Vulkan loader\'s own words) and what it needs, never a stack', () => {
    // The loader finds no driver where the only ICD file named does not exist.
    const env = { ...process.env, VK_DRIVER_FILES: '/nonexistent/vulkan-icd.json' };
    const list = spawnSync(process.execPath, [CLI, 'list', 'backends'], { cwd: ROOT, encoding: 'utf8', env });
    assert.equal(list.status, 0, list.stderr);
    assert.match(list.stdout, /^webgpu: cannot start: (Dawn found no Vulkan adapter \(.*\)|the npm package webgpu is not installed)\. It needs the npm package webgpu .* a Vulkan driver/m);
    assert.match(list.stdout, /^auto picks: (wasm-blas|wasm)$/m);
    assert.equal(list.stderr, '', 'the loader\'s and Dawn\'s lines went into the reason, not to stderr');
    const run = spawnSync(process.execPath, [CLI, 'run', 'experiments/lecture-25-optimizers.yaml', '--backend', 'webgpu', '--out', '/tmp/trainyard-never-written'], { cwd: ROOT, encoding: 'utf8', env });
    assert.equal(run.status, 2);
    assert.match(run.stderr, /^trainyard: backend 'webgpu' cannot run: .*Vulkan/);
    assert.equal(run.stderr.trim().split('\n').length, 1, run.stderr);
    assert.doesNotMatch(run.stderr, /\n\s+at /);
  });
});

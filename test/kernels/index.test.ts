// The kernels interface: what each backend registers when it loads, lookups on the active backend,
// and the seams around it (plugins reach kernels only through this interface).
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { kernelsFor, registerKernels, type Kernels } from '../../src/kernels/index.js';
import { createRegistries } from '../../src/registry/index.js';
import { loadBackendOrSkip } from '../backends.js';

const registries = createRegistries();
const present = (k: Kernels) => Object.keys(k).sort();

describe('kernels', () => {
  after(async () => {
    await tf.setBackend('cpu');
  });

  it('cpu registers none: every plugin keeps its TF.js ops there', async () => {
    await registries.backends.get('cpu').load({ backends: registries.backends });
    assert.deepEqual(present(kernelsFor(tf as never)), []);
  });

  it("wasm registers its heap kernels when it loads, before any plugin asks (and no dense ones: wasm's products are its own)", async () => {
    await registries.backends.get('wasm').load({ backends: registries.backends });
    assert.deepEqual(present(kernelsFor(tf as never)), ['fusedUpdate', 'softmaxCrossEntropy']);
    for (const name of ['TrainyardFusedSgd', 'TrainyardFusedAdam', 'TrainyardSoftmaxCrossEntropy', 'TrainyardSoftmaxCrossEntropyGrad']) {
      assert.ok(tf.getKernel(name, 'wasm'), `${name} is a TF.js kernel of wasm`);
    }
  });

  it('wasm-blas registers the dense and convolution layer kernels too', async function () {
    await loadBackendOrSkip(this, registries, 'wasm-blas');
    assert.deepEqual(present(kernelsFor(tf as never)), ['convBackward', 'convForward', 'denseBackward', 'denseForward', 'fusedUpdate', 'softmaxCrossEntropy']);
    for (const name of ['TrainyardDenseBackward', 'TrainyardConvForward', 'TrainyardConvBackward']) assert.ok(tf.getKernel(name, 'wasm-blas'), name);
  });

  it('follows the active backend: a lookup after tf.setBackend gives that backend\'s set', async () => {
    await registries.backends.get('wasm').load({ backends: registries.backends });
    const onWasm = kernelsFor(tf as never);
    await tf.setBackend('cpu');
    assert.deepEqual(present(kernelsFor(tf as never)), []);
    await tf.setBackend('wasm');
    assert.equal(kernelsFor(tf as never), onWasm);
  });

  it('installs a backend\'s kernels once: loading it again keeps the first set, and a set cannot change', async () => {
    let installs = 0;
    const first = registerKernels(tf as never, 'kernels-test-backend', () => (installs++, { denseForward: () => tf.scalar(1) }));
    const second = registerKernels(tf as never, 'kernels-test-backend', () => (installs++, {}));
    assert.equal(installs, 1);
    assert.equal(second, first);
    assert.ok(Object.isFrozen(first));
    // Loading wasm again registers nothing twice (TF.js would warn) and keeps the same set.
    await registries.backends.get('wasm').load({ backends: registries.backends });
    const before = kernelsFor(tf as never);
    await registries.backends.get('wasm').load({ backends: registries.backends });
    assert.equal(kernelsFor(tf as never), before);
  });

  describe('seams', () => {
    /** Relative import specifiers of every .ts file under src/DIR. */
    async function imports(dir: string): Promise<{ file: string; spec: string }[]> {
      const root = join(process.cwd(), 'src', dir);
      const found: { file: string; spec: string }[] = [];
      for (const name of await readdir(root, { recursive: true })) {
        if (!name.endsWith('.ts')) continue;
        const text = await readFile(join(root, name), 'utf8');
        for (const m of text.matchAll(/\bfrom\s+'([^']+)'/g)) found.push({ file: `${dir}/${name}`, spec: m[1]! });
      }
      return found;
    }

    it('no plugin but a backend imports a kernel, and then only through src/kernels/index.ts', async () => {
      for (const kind of ['layers', 'losses', 'optimizers', 'metrics', 'datasets', 'transforms', 'schedules']) {
        for (const { file, spec } of await imports(`registry/${kind}`)) {
          assert.doesNotMatch(spec, /\/backends\//, `${file} imports a backend (${spec})`);
          if (/\/kernels\//.test(spec)) assert.match(spec, /^\.\.\/\.\.\/kernels\/index\.js$/, `${file} imports a kernel implementation (${spec})`);
        }
      }
    });

    it('kernels import no plugin and no runner', async () => {
      for (const { file, spec } of await imports('kernels')) {
        assert.doesNotMatch(spec, /\/(registry|runner|config|reporters)\//, `${file} imports ${spec}`);
      }
    });

    it('the model builder names no layer plugin (it asks a layer what it absorbs)', async () => {
      for (const { file, spec } of await imports('runner')) {
        assert.doesNotMatch(spec, /registry\/layers\//, `${file} imports ${spec}`);
      }
    });
  });
});

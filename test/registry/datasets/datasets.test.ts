import assert from 'node:assert/strict';
import { rowValues } from '../../../src/util/split-values.js';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import mnistBundled from '../../../src/registry/datasets/mnist-bundled.js';
import idx from '../../../src/registry/datasets/idx.js';
import { idxBytes, writeIdxDataset } from '../../idx-files.js';
import { makeTempDir } from '../../run-helpers.js';

describe('datasets', function () {
  this.timeout(30000);

  describe('mnist-bundled', () => {
    it('splits the 10,000 digits by class with a seeded shuffle, into shared memory', async () => {
      const data = await mnistBundled.load({ trainSize: 1000, testSize: 500, splitSeed: 0 }, { baseDir: '.' });
      assert.equal(data.train.count, 1000);
      assert.equal(data.test.count, 500);
      assert.equal(data.train.x.length, 1000 * 784);
      assert.ok(data.train.x.buffer instanceof SharedArrayBuffer, 'workers share it without a copy');
      assert.ok(data.train.x.every((v) => v >= 0 && v <= 1));
      const perClass = new Array(10).fill(0);
      data.test.y.forEach((label) => perClass[label]++);
      for (const count of perClass) assert.ok(count >= 40 && count <= 60, `stratified: ${perClass}`);
      const again = await mnistBundled.load({ trainSize: 1000, testSize: 500, splitSeed: 0 }, { baseDir: '.' });
      assert.deepEqual(Array.from(again.test.y), Array.from(data.test.y));
      const other = await mnistBundled.load({ trainSize: 1000, testSize: 500, splitSeed: 1 }, { baseDir: '.' });
      assert.notDeepEqual(Array.from(other.test.y), Array.from(data.test.y));
    });

    it('never puts a digit in both splits', async () => {
      const data = await mnistBundled.load({ trainSize: 8000, testSize: 2000, splitSeed: 0 }, { baseDir: '.' });
      const key = (x: Float32Array | Uint8Array, i: number) => x.subarray(i * 784, (i + 1) * 784).join();
      const train = new Set(Array.from({ length: data.train.count }, (_, i) => key(data.train.x, i)));
      let shared = 0;
      for (let i = 0; i < data.test.count; i++) if (train.has(key(data.test.x, i))) shared++;
      // The package itself holds a few identical images; allow those, but not a leaked split.
      assert.ok(shared < 10, `${shared} test digits also in training`);
    });

    it('checks that both splits fit in 10,000 digits', () => {
      assert.deepEqual(mnistBundled.check!({ trainSize: 9000, testSize: 2000, splitSeed: 0 }), [
        { path: 'trainSize', message: 'trainSize + testSize must be at most 10000 (got 9000 + 2000 = 11000)' },
      ]);
    });
  });

  describe('idx', () => {
    it('loads a directory of standard names, gzipped or raw, scaled to [0, 1]', async () => {
      for (const gzip of [false, true]) {
        const dir = writeIdxDataset(join(makeTempDir(), 'd'), { train: 30, test: 10, gzip });
        const data = await idx.load({ dir: 'd', classes: 10, scale: 1 / 255 }, { baseDir: join(dir, '..') });
        assert.deepEqual(data.facts.sampleShape, [1, 4, 4]);
        assert.equal(data.train.count, 30);
        assert.equal(data.test.count, 10);
        assert.ok(data.train.x instanceof Uint8Array, 'pixels kept as bytes');
        assert.equal(data.train.x[1], 7);
        assert.equal(rowValues(data.train, 0, 1)[1], Math.fround(7 / 255));
        assert.deepEqual(Array.from(data.test.y.subarray(0, 3)), [0, 1, 2]);
      }
    });

    it('rejects a label that is not below classes, naming the file', async () => {
      const dir = writeIdxDataset(join(makeTempDir(), 'd'), { classes: 12 });
      await assert.rejects(idx.load({ dir, classes: 10, scale: 1 }, { baseDir: '/' }), /train-labels-idx1-ubyte: label 10 at index 10 is not below classes \(10\)/);
    });

    it('rejects label and image counts that differ', async () => {
      const dir = writeIdxDataset(join(makeTempDir(), 'd'));
      writeFileSync(join(dir, 't10k-labels-idx1-ubyte'), idxBytes([19], new Uint8Array(19)));
      await assert.rejects(idx.inspect({ dir, classes: 10, scale: 1 }, { baseDir: '/' }), /test set has 20 images but 19 labels/);
    });

    it('refuses a split of 0 images, naming its file', async () => {
      for (const [split, options] of [['test', { test: 0 }], ['training', { train: 0 }]] as const) {
        const dir = writeIdxDataset(join(makeTempDir(), 'd'), { ...options, gzip: true });
        const file = join(dir, split === 'test' ? 't10k-images-idx3-ubyte.gz' : 'train-images-idx3-ubyte.gz');
        for (const step of [idx.inspect, idx.load]) {
          await assert.rejects(step({ dir, classes: 10, scale: 1 }, { baseDir: '/' }), (e: Error & { param?: string }) => {
            assert.equal(e.message, `${file}: the ${split} set has 0 images; each split needs at least one sample`);
            assert.equal(e.param, 'dir');
            return true;
          });
        }
      }
    });

    it('needs dir or all four files', () => {
      assert.match(idx.check!({ trainImages: 'a', classes: 10, scale: 1 })[0].message, /missing: trainLabels, testImages, testLabels/);
    });
  });
});

import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { BatchMaker, disposeBatch, fixedBatches, SplitBatches } from '../../src/runner/batches.js';
import { evaluate } from '../../src/runner/evaluate.js';
import { buildModel } from '../../src/runner/model.js';
import { createRegistries } from '../../src/registry/index.js';
import mnistBundled from '../../src/registry/datasets/mnist-bundled.js';
import type { Split, TF } from '../../src/registry/kinds.js';
import { Random } from '../../src/util/random.js';
import { loadBackendOrSkip, TEST_BACKENDS } from '../backends.js';

const registries = createRegistries();
const layers = [{ type: 'flatten' }, { type: 'dense', units: 16, activation: 'linear', useBias: true }, { type: 'relu' }, { type: 'dense', units: 10, activation: 'linear', useBias: true }];
const shape = [1, 28, 28];
const rows = (split: Split, from: number, n: number) => Array.from(split.x.subarray(from * 784, (from + n) * 784));

/** Test loss and accuracy of the same initial weights on each backend, for the comparison at the end. */
const results = new Map<string, { batched: number[]; single: number[] }>();

describe('runner/batches', function () {
  this.timeout(60000);
  let test: Split;

  before(async () => {
    // 250 real digits: evaluation batches of 100 make two full batches and a last one of 50.
    test = (await mnistBundled.load({ trainSize: 10, testSize: 250, splitSeed: 0 }, { baseDir: '.' })).test;
  });

  for (const backend of TEST_BACKENDS) {
    describe(`on ${backend}`, () => {
      before(async function () {
        await loadBackendOrSkip(this, registries, backend);
      });

      it('gives every fixed batch its own rows, though the batches are made one after another', async () => {
        const batches = fixedBatches(tf as unknown as TF, test, shape, 100);
        assert.deepEqual(batches.map((b) => b.x.shape[0]), [100, 100, 50]);
        for (const [i, b] of batches.entries()) {
          assert.deepEqual(Array.from(await b.x.data()), rows(test, 100 * i, b.x.shape[0]!), `batch ${i} inputs`);
          assert.deepEqual(Array.from(await b.labels.data()), Array.from(test.y.subarray(100 * i, 100 * i + b.x.shape[0]!)), `batch ${i} labels`);
        }
        batches.forEach((b) => disposeBatch(tf as unknown as TF, b));
      });

      it('makes a split\'s batches one at a time, each freed when the loop moves on or leaves', async () => {
        const before = tf.memory().numTensors;
        const batches = new SplitBatches(tf as unknown as TF, test, shape, 100);
        const sizes: number[] = [];
        for (const b of batches) {
          assert.equal(tf.memory().numTensors, before + 2, 'one batch alive (inputs and labels)');
          assert.deepEqual(Array.from(await b.x.data()), rows(test, sizes.reduce((a, n) => a + n, 0), b.x.shape[0]!));
          sizes.push(b.x.shape[0]!);
        }
        assert.deepEqual(sizes, [100, 100, 50]);
        assert.equal(tf.memory().numTensors, before, 'all freed after the pass');
        for (const _ of batches) break;
        assert.equal(tf.memory().numTensors, before, 'freed when the loop leaves early');
      });

      it('keeps a training batch intact while the next one is made', async () => {
        const maker = new BatchMaker(tf as unknown as TF, test, shape, 100);
        const order = Uint32Array.from({ length: test.count }, (_, i) => test.count - 1 - i);
        const first = maker.make(order, 0, 100);
        const second = maker.make(order, 100, 100);
        const expected = (start: number) => Array.from(order.subarray(start, start + 100)).flatMap((row) => rows(test, row, 1));
        assert.deepEqual(Array.from(await first.x.data()), expected(0));
        assert.deepEqual(Array.from(await second.x.data()), expected(100));
        disposeBatch(tf as unknown as TF, first);
        disposeBatch(tf as unknown as TF, second);
      });

      it('reuses a disposed batch\'s arrays only when no tensor still shares their data', async () => {
        const maker = new BatchMaker(tf as unknown as TF, test, shape, 100);
        const order = Uint32Array.from({ length: test.count }, (_, i) => i);
        const first = maker.make(order, 0, 100);
        const kept = tf.reshape(first.x, [100, 784]); // shares first.x's data on cpu
        disposeBatch(tf as unknown as TF, first);
        const second = maker.make(order, 100, 100);
        assert.deepEqual(Array.from(await kept.data()), rows(test, 0, 100), 'the kept reshape still reads the first batch');
        assert.deepEqual(Array.from(await second.x.data()), rows(test, 100, 100));
        kept.dispose();
        disposeBatch(tf as unknown as TF, second);
        disposeBatch(tf as unknown as TF, second); // twice: its arrays must not go back twice
        const [third, fourth] = [maker.make(order, 0, 100), maker.make(order, 100, 100)];
        assert.deepEqual(Array.from(await third.x.data()), rows(test, 0, 100));
        assert.deepEqual(Array.from(await fourth.x.data()), rows(test, 100, 100));
        disposeBatch(tf as unknown as TF, third);
        disposeBatch(tf as unknown as TF, fourth);
      });

      it('evaluates a split in several batches exactly as in one', async () => {
        const model = buildModel(tf as unknown as TF, layers, registries, shape, new Random(7));
        const loss = registries.losses.get('crossEntropy').create({ labelSmoothing: 0 }, { tf: tf as unknown as TF });
        const metrics = ['loss', 'accuracy'].map((type) => {
          const plugin = registries.metrics.get(type);
          return { key: plugin.key, runtime: plugin.create({}, { tf: tf as unknown as TF, loss }) };
        });
        const score = async (batchSize: number) => {
          const batches = fixedBatches(tf as unknown as TF, test, shape, batchSize);
          const values = await evaluate(tf as unknown as TF, model, batches, test.count, metrics, (b) => b.labels);
          batches.forEach((b) => disposeBatch(tf as unknown as TF, b));
          return values;
        };
        const [batched, single] = [await score(100), await score(250)];
        model.dispose();
        assert.ok(Math.abs(batched[0]! - single[0]!) < 1e-5, `test loss ${batched[0]} in batches of 100, ${single[0]} in one batch`);
        assert.equal(batched[1], single[1], 'test accuracy');
        results.set(backend, { batched, single });
      });
    });
  }

  // In a suite of its own: mocha runs a suite's tests before its inner suites, and this needs their results.
  describe('across backends', () => {
    it('gives the same test loss and accuracy on every backend', function () {
      if (results.size < 2) this.skip();
      const [first, ...others] = [...results.entries()];
      for (const [backend, { batched }] of others) {
        assert.ok(Math.abs(batched[0]! - first![1].batched[0]!) < 1e-5, `test loss on ${backend} ${batched[0]}, on ${first![0]} ${first![1].batched[0]}`);
        assert.equal(batched[1], first![1].batched[1], `test accuracy on ${backend}`);
      }
    });
  });
});

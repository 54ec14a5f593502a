import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { randomFlip, randomRotation, randomShift } from '../../../src/registry/layers/augment.js';
import { Random } from '../../../src/util/random.js';
import { createRegistries } from '../../../src/registry/index.js';
import { loadBackendOrSkip } from '../../backends.js';

const make = (plugin: typeof randomShift | typeof randomFlip | typeof randomRotation, params: object, random: () => number, inputNeedsGrad = false) =>
  (plugin as any).create(params, { tf, inputShape: [1, 4, 5], random, index: 0, inputNeedsGrad });
/** A batch of 2 images 4 × 5 (NHWC, one channel) holding 1 ... 20 and 21 ... 40. */
const images = () => tf.tensor4d(Array.from({ length: 40 }, (_, i) => i + 1), [2, 4, 5, 1]);
const rows = (t: tf.Tensor) => (t.arraySync() as number[][][][]).map((img) => img.map((row) => row.map((px) => px[0]!)));

for (const backend of ['cpu', 'wasm']) describe(`layers/augment on ${backend}`, () => {
  before(async function () {
    await loadBackendOrSkip(this, createRegistries(), backend);
  });

  it('leaves images alone in evaluation', () => {
    for (const [plugin, params] of [[randomShift, { pixels: 2 }], [randomFlip, { direction: 'horizontal', probability: 1 }], [randomRotation, { degrees: 30 }]] as const) {
      assert.deepEqual(rows(make(plugin, params, () => 0.9).apply(images(), false)), rows(images()));
    }
  });

  it('randomShift moves each image by whole pixels, zeros shifted in', () => {
    // random() = 0.99 draws the largest shift, +pixels, along both axes.
    const out = rows(make(randomShift, { pixels: 1 }, () => 0.99).apply(images(), true));
    assert.deepEqual(out[0], [[0, 0, 0, 0, 0], [0, 1, 2, 3, 4], [0, 6, 7, 8, 9], [0, 11, 12, 13, 14]]);
    const none = rows(make(randomShift, { pixels: 1 }, () => 0.5).apply(images(), true));
    assert.deepEqual(none, rows(images()), 'a draw in the middle is no shift');
  });

  it('randomFlip mirrors an image with its probability', () => {
    assert.deepEqual(rows(make(randomFlip, { direction: 'horizontal', probability: 1 }, () => 0.3).apply(images(), true)), rows(tf.reverse(images(), 2)));
    assert.deepEqual(rows(make(randomFlip, { direction: 'vertical', probability: 1 }, () => 0.3).apply(images(), true)), rows(tf.reverse(images(), 1)));
    assert.deepEqual(rows(make(randomFlip, { direction: 'horizontal', probability: 0.2 }, () => 0.3).apply(images(), true)), rows(images()));
  });

  it('randomRotation by 180 degrees turns an image about its centre', () => {
    const out = make(randomRotation, { degrees: 180 }, () => 1).apply(images(), true);
    const want = tf.reverse(tf.reverse(images(), 1), 2);
    out.sub(want).abs().max().dataSync()[0]! < 1e-3 || assert.fail(`${rows(out)[0]} vs ${rows(want)[0]}`);
  });

  it('draws from the trial\'s seeded stream: the same per seed, new every call', () => {
    const seeded = (seed: number) => {
      const r = new Random(seed);
      return make(randomShift, { pixels: 2 }, () => r.next());
    };
    const [a, b] = [seeded(7), seeded(7)];
    const first = rows(a.apply(images(), true));
    assert.deepEqual(rows(b.apply(images(), true)), first);
    const calls = Array.from({ length: 5 }, () => JSON.stringify(rows(a.apply(images(), true))));
    assert.ok(calls.some((c) => c !== JSON.stringify(first)), 'later epochs draw other shifts');
  });

  it('must come before the trainable layers (it has no gradient)', () => {
    assert.throws(() => make(randomShift, { pixels: 2 }, () => 0.5, true), /randomShift has no gradient: put it before the model's trainable layers/);
  });
});

// ssim and psnr against scikit-image (test/fixtures/golden/ssim.json, by scripts/golden-ssim.py) on
// real digits and noisy reconstructions of them; mse by its definition.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { mse, psnr, ssim } from '../../../src/registry/metrics/image.js';
import { createRegistries } from '../../../src/registry/index.js';
import { loadBackendOrSkip } from '../../backends.js';
import { det } from '../layers/torch.js';

interface Case {
  amount?: number;
  clip?: boolean;
  constant?: number;
  ssim: number[];
  psnr: number[];
}

const golden = JSON.parse(readFileSync(new URL('../../../../test/fixtures/golden/ssim.json', import.meta.url), 'utf8')) as { images: number; cases: Case[] };

function digits(n: number): Float32Array[] {
  const dir = join(dirname(createRequire(import.meta.url).resolve('mnist')), 'digits');
  const byClass = Array.from({ length: 10 }, (_, c) => (JSON.parse(readFileSync(join(dir, `${c}.json`), 'utf8')) as { data: number[] }).data);
  return Array.from({ length: n }, (_, i) => Float32Array.from(byClass[i % 10]!.slice(Math.floor(i / 10) * 784, (Math.floor(i / 10) + 1) * 784)));
}

function reconstruction(c: Case, target: Float32Array, k: number): Float32Array {
  if (c.constant !== undefined) return new Float32Array(784).fill(c.constant);
  const noise = det(784, 7 + k);
  return target.map((v, i) => {
    const r = Math.fround(v + Math.fround(c.amount! * noise[i]!));
    return c.clip ? Math.min(1, Math.max(0, r)) : r;
  });
}

const ctx = { tf: tf as never, loss: (() => tf.scalar(0)) as never, imageShape: [1, 28, 28] };

for (const backend of ['cpu', 'wasm-blas']) describe(`metrics/image on ${backend}`, () => {
  before(async function () {
    await loadBackendOrSkip(this, createRegistries(), backend);
  });

  const targets = digits(golden.images);
  for (const c of golden.cases) {
    const what = c.constant !== undefined ? `a constant ${c.constant}` : `noise ${c.amount}${c.clip ? ', clipped' : ''}`;
    it(`ssim and psnr of each image equal scikit-image's (${what}), and a batch sums them`, () => {
      const recons = targets.map((t, k) => reconstruction(c, t, k));
      const ssimOf = ssim.create({}, ctx);
      const psnrOf = psnr.create({}, ctx);
      const flat = (arrays: Float32Array[]) => tf.tensor2d(arrays.flatMap((a) => Array.from(a)), [arrays.length, 784]);
      targets.forEach((t, k) => {
        const [out, target] = [flat([recons[k]!]), flat([t])];
        const s = ssimOf.batchSum(out, target, tf.zeros([1])).dataSync()[0]!;
        const p = psnrOf.batchSum(out, target, tf.zeros([1])).dataSync()[0]!;
        assert.ok(Math.abs(s - c.ssim[k]!) < 2e-4, `image ${k}: ssim ${s} vs scikit-image ${c.ssim[k]}`);
        assert.ok(Math.abs(p - c.psnr[k]!) < 1e-3 * Math.max(1, c.psnr[k]!), `image ${k}: psnr ${p} vs scikit-image ${c.psnr[k]}`);
        tf.dispose([out, target]);
      });
      // The same images as one batch in the layout a convolutional autoencoder gives: [batch, 1, 28, 28].
      const out = tf.reshape(flat(recons), [targets.length, 1, 28, 28]);
      const target = tf.reshape(flat(targets), [targets.length, 1, 28, 28]);
      const total = ssimOf.batchSum(out, target, tf.zeros([targets.length])).dataSync()[0]!;
      const want = c.ssim.reduce((a, b) => a + b, 0);
      assert.ok(Math.abs(total - want) < 2e-3, `batch ssim sum ${total} vs ${want}`);
    });
  }

  it('mse is the mean over each sample, summed over the batch; ssim takes imageShape', () => {
    const out = tf.tensor2d([[0, 0, 1, 1], [1, 1, 1, 1]]);
    const target = tf.tensor2d([[0, 1, 1, 1], [0, 0, 0, 0]]);
    assert.ok(Math.abs(mse.create({}, ctx).batchSum(out, target, tf.zeros([2])).dataSync()[0]! - (0.25 + 1)) < 1e-6);
    const image = tf.tensor(targets[0]!, [1, 784]);
    const ownShape = ssim.create({ imageShape: [28, 28] }, { ...ctx, imageShape: undefined });
    assert.ok(Math.abs(ownShape.batchSum(image, image, tf.zeros([1])).dataSync()[0]! - 1) < 1e-5);
    assert.throws(() => ssim.create({}, { ...ctx, imageShape: undefined }), /give imageShape/);
    assert.deepEqual(ssim.check!({ imageShape: [1, 5, 28] }), [{ path: 'imageShape', message: 'images must be at least 7×7 (the window); got [1, 5, 28]' }]);
  });
});

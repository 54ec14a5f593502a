// Metrics of reconstructions (denoising autoencoders): per-sample mean squared error, PSNR and SSIM.
import { defineMetric, type TF, type Tensor } from '../kinds.js';

/** Mean over each sample's values: [batch]. */
const perSampleMse = (tf: TF, output: Tensor, target: Tensor): Tensor => tf.mean(tf.reshape(tf.squaredDifference(output, target), [output.shape[0]!, -1]), 1);

export const mse = defineMetric<Record<string, never>>({
  type: 'mse',
  key: 'mse',
  summary: 'Mean squared error between output and target, averaged over samples (testMse, valMse)',
  tasks: ['reconstruction', 'regression'],
  params: { type: 'object', properties: {}, additionalProperties: false },
  create: (_p, { tf }) => ({ batchSum: (output, target) => tf.tidy(() => tf.sum(perSampleMse(tf, output, target))) }),
});

export const psnr = defineMetric<Record<string, never>>({
  type: 'psnr',
  key: 'psnr',
  summary: "Peak signal-to-noise ratio in dB, 10·log10(1 / mse) per image (data range 1, as scikit-image's peak_signal_noise_ratio), averaged over images (testPsnr)",
  tasks: ['reconstruction'],
  params: { type: 'object', properties: {}, additionalProperties: false },
  // A perfect reconstruction is counted as 100 dB (mse 1e-10), so that a mean stays finite.
  create: (_p, { tf }) => ({ batchSum: (output, target) => tf.tidy(() => tf.sum(tf.mul(tf.log(tf.maximum(perSampleMse(tf, output, target), 1e-10)), -10 / Math.LN10))) }),
});

export interface SsimParams {
  /** [channels, height, width] or [height, width] of one image; absent: the dataset's sample shape before transforms. */
  imageShape?: number[];
}

const WINDOW = 7;
const K1 = 0.01;
const K2 = 0.03;

export const ssim = defineMetric<SsimParams>({
  type: 'ssim',
  key: 'ssim',
  summary:
    "Structural similarity as scikit-image's structural_similarity computes it for grayscale images in [0, 1] (7×7 uniform window, K1 0.01, K2 0.03, sample covariance, data_range 1), averaged over images and channels (testSsim)",
  tasks: ['reconstruction'],
  params: {
    type: 'object',
    properties: {
      imageShape: {
        type: 'array',
        items: { type: 'integer', minimum: 1 },
        minItems: 2,
        maxItems: 3,
        description: "Shape of one image, [channels, height, width] or [height, width] (default: the dataset's sample shape before transforms, so it works on flattened outputs)",
      },
    },
    additionalProperties: false,
  },
  check: (p) => (p.imageShape && p.imageShape.slice(-2).some((d) => d < WINDOW) ? [{ path: 'imageShape', message: `images must be at least ${WINDOW}×${WINDOW} (the window); got [${p.imageShape.join(', ')}]` }] : []),
  create: (p, { tf, imageShape }) => {
    const shape = p.imageShape ?? imageShape;
    if (!shape || shape.length < 2) throw new Error('ssim: the images\' shape is unknown; give imageShape: [channels, height, width]');
    const [h, w] = shape.slice(-2) as [number, number];
    const channels = shape.length === 3 ? shape[0]! : 1;
    const c1 = K1 * K1;
    const c2 = K2 * K2;
    // scikit-image filters with a uniform window (reflecting at the borders), then averages only
    // the pixels at least 3 from every border: exactly the 'valid' positions of a 7×7 mean.
    const covNorm = (WINDOW * WINDOW) / (WINDOW * WINDOW - 1);
    return {
      batchSum: (output, target) =>
        tf.tidy(() => {
          const images = (t: Tensor) => tf.reshape(tf.transpose(tf.reshape(t, [-1, channels, h, w]), [0, 2, 3, 1]), [-1, h, w, channels]);
          const x = images(output);
          const y = images(target);
          const mean = (t: Tensor) => tf.avgPool(t as never, WINDOW, 1, 'valid');
          const [ux, uy] = [mean(x), mean(y)];
          const vx = tf.mul(tf.sub(mean(tf.mul(x, x)), tf.mul(ux, ux)), covNorm);
          const vy = tf.mul(tf.sub(mean(tf.mul(y, y)), tf.mul(uy, uy)), covNorm);
          const vxy = tf.mul(tf.sub(mean(tf.mul(x, y)), tf.mul(ux, uy)), covNorm);
          const numerator = tf.mul(tf.add(tf.mul(tf.mul(ux, uy), 2), c1), tf.add(tf.mul(vxy, 2), c2));
          const denominator = tf.mul(tf.add(tf.add(tf.mul(ux, ux), tf.mul(uy, uy)), c1), tf.add(tf.add(vx, vy), c2));
          // Mean over positions per image and channel, summed over images, averaged over channels.
          return tf.div(tf.sum(tf.mean(tf.div(numerator, denominator), [1, 2])), channels);
        }),
    };
  },
});

// Augmentation of training images as layers that act only while training (as dropout does), drawing
// from the trial's seeded stream: the same shifts, flips and rotations for every optimizer of a
// seed, different every epoch, and restored exactly on resume (the stream is checkpointed).
// Evaluation sees the images unchanged. They have no gradient: put them before the trainable layers.
import { defineLayer, type LayerPlugin, type TF, type Tensor } from '../kinds.js';
import { imageShape } from './layout.js';

/** An augmentation layer: `draw` makes one projective transform [a0, a1, a2, b0, b1, b2, 0, 0] per image (output pixel → input pixel). */
function augmentation<P>(
  type: string,
  summary: string,
  params: LayerPlugin<P>['params'],
  draw: (p: P, random: () => number, height: number, width: number) => number[] | null,
  interpolation: 'nearest' | 'bilinear',
): LayerPlugin<P> {
  return defineLayer<P>({
    type,
    summary,
    params,
    outputShape: (_p, inputShape) => (imageShape(type, inputShape), inputShape),
    create: (p, { tf, random, inputNeedsGrad }) => {
      if (inputNeedsGrad) throw new Error(`${type} has no gradient: put it before the model's trainable layers`);
      return {
        variables: [],
        apply: (x, training) => {
          if (!training) return x;
          const [batch, height, width] = x.shape as [number, number, number, number];
          const rows: number[][] = [];
          for (let i = 0; i < batch; i++) rows.push(draw(p, random, height, width) ?? [1, 0, 0, 0, 1, 0, 0, 0]);
          return transform(tf, x, rows, interpolation);
        },
      };
    },
  });
}

/** Each image through its own transform; one at a time, since the cpu backend's Transform zeroes every image after the first. */
function transform(tf: TF, x: Tensor, rows: number[][], interpolation: 'nearest' | 'bilinear'): Tensor {
  return tf.tidy(() => {
    const identity = (r: number[]) => r[0] === 1 && r[1] === 0 && r[2] === 0 && r[3] === 0 && r[4] === 1 && r[5] === 0;
    const images = tf.split(x, rows.length, 0).map((image, i) =>
      identity(rows[i]!) ? image : tf.image.transform(image as never, tf.tensor2d([rows[i]!], [1, 8]), interpolation, 'constant', 0),
    );
    return tf.concat(images, 0);
  });
}

export interface RandomShiftParams {
  pixels: number;
}

export const randomShift = augmentation<RandomShiftParams>(
  'randomShift',
  'Training only: shifts each image by a random whole number of pixels in [-pixels, pixels] along each axis, zeros shifted in',
  {
    type: 'object',
    properties: { pixels: { type: 'integer', minimum: 0, maximum: 64, default: 2, description: 'Largest shift along each axis' } },
    additionalProperties: false,
  },
  ({ pixels }, random) => {
    const shift = () => Math.floor(random() * (2 * pixels + 1)) - pixels;
    const [dx, dy] = [shift(), shift()];
    return [1, 0, -dx, 0, 1, -dy, 0, 0];
  },
  'nearest',
);

export interface RandomFlipParams {
  direction: 'horizontal' | 'vertical';
  probability: number;
}

export const randomFlip = augmentation<RandomFlipParams>(
  'randomFlip',
  'Training only: mirrors each image with a probability, as torchvision RandomHorizontalFlip / RandomVerticalFlip',
  {
    type: 'object',
    properties: {
      direction: { enum: ['horizontal', 'vertical'], default: 'horizontal', description: 'horizontal: left and right swap; vertical: top and bottom' },
      probability: { type: 'number', minimum: 0, maximum: 1, default: 0.5, description: 'Chance of flipping each image' },
    },
    additionalProperties: false,
  },
  ({ direction, probability }, random, height, width) => {
    if (random() >= probability) return null;
    return direction === 'horizontal' ? [-1, 0, width - 1, 0, 1, 0, 0, 0] : [1, 0, 0, 0, -1, height - 1, 0, 0];
  },
  'nearest',
);

export interface RandomRotationParams {
  degrees: number;
}

export const randomRotation = augmentation<RandomRotationParams>(
  'randomRotation',
  'Training only: rotates each image about its centre by a random angle in [-degrees, degrees] (bilinear, zeros outside), as torchvision RandomRotation',
  {
    type: 'object',
    properties: { degrees: { type: 'number', minimum: 0, maximum: 180, default: 10, description: 'Largest rotation either way' } },
    additionalProperties: false,
  },
  ({ degrees }, random, height, width) => {
    const angle = ((random() * 2 - 1) * degrees * Math.PI) / 180;
    const [cos, sin] = [Math.cos(angle), Math.sin(angle)];
    const [cx, cy] = [(width - 1) / 2, (height - 1) / 2];
    // The input pixel each output pixel reads: the inverse rotation about the centre.
    return [cos, sin, cx - cos * cx - sin * cy, -sin, cos, cy + sin * cx - cos * cy, 0, 0];
  },
  'bilinear',
);

import { defineLayer } from '../kinds.js';
import { imageShape, pair, pairSchema } from './layout.js';

export interface Upsample2dParams {
  scaleFactor: number | number[];
}

export default defineLayer<Upsample2dParams>({
  type: 'upsample2d',
  summary: "Repeats each pixel scaleFactor times along height and width, as torch.nn.Upsample(mode='nearest') with an integer scale",
  params: {
    type: 'object',
    properties: { scaleFactor: pairSchema('Integer scale: one for both axes or [height, width]', 1, 2) },
    additionalProperties: false,
  },
  outputShape: (p, inputShape) => {
    const [c, h, w] = imageShape('upsample2d', inputShape);
    const [fh, fw] = pair(p.scaleFactor);
    return [c, h * fh, w * fw];
  },
  create: (p, { tf }) => {
    const [fh, fw] = pair(p.scaleFactor);
    return {
      variables: [],
      // Output pixel i reads input floor(i / scale), as torch's nearest: a broadcasting product with
      // ones, whose gradient (a sum) every backend has right (cpu's ResizeNearestNeighborGrad does not,
      // and tile has no gradient at rank 6).
      apply: (x) => {
        const [b, h, w, c] = x.shape as [number, number, number, number];
        return tf.reshape(tf.mul(tf.reshape(x, [b, h, 1, w, 1, c]), tf.ones([1, 1, fh, 1, fw, 1])), [b, h * fh, w * fw, c]);
      },
    };
  },
});

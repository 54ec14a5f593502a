import type { ParamsSchema } from '../registry.js';
import { defineLayer, type LayerPlugin, type TF, type Tensor } from '../kinds.js';
import { imageShape, pair, pairSchema, slide } from './layout.js';

export interface Pool2dParams {
  kernelSize: number | number[];
  /** Absent: the kernel size, as torch's default. */
  stride?: number | number[];
  padding: number | number[];
}

const params = (what: string): ParamsSchema => ({
    type: 'object',
    properties: {
      kernelSize: pairSchema('Window size: an integer or [height, width]', 1),
      stride: pairSchema('Step between windows: an integer or [height, width] (default: the kernel size)', 1),
      padding: pairSchema(`${what} added on each side: an integer or [height, width], at most half the kernel size`, 0, 0),
    },
    required: ['kernelSize'],
    additionalProperties: false,
});

function geometry(p: Pool2dParams) {
  const [kh, kw] = pair(p.kernelSize);
  const [sh, sw] = pair(p.stride ?? p.kernelSize);
  const [ph, pw] = pair(p.padding ?? 0);
  return { kh, kw, sh, sw, ph, pw };
}

/**
 * A pooling layer. The padding is written into the input (-∞ for max, 0 for average, so an average
 * counts the padding as torch's count_include_pad does) and the pool itself is 'valid'.
 */
function pool(type: string, summary: string, fill: number, what: string, op: (tf: TF, x: Tensor, k: [number, number], s: [number, number]) => Tensor): LayerPlugin<Pool2dParams> {
  return defineLayer<Pool2dParams>({
    type,
    summary,
    params: params(what),
    check(p) {
      const { kh, kw, ph, pw } = geometry(p);
      return ph > kh / 2 || pw > kw / 2 ? [{ path: 'padding', message: `must be at most half the kernel size (as in torch; got ${JSON.stringify(p.padding)} for kernelSize ${JSON.stringify(p.kernelSize)})` }] : [];
    },
    outputShape(p, inputShape) {
      const [c, h, w] = imageShape(type, inputShape);
      const { kh, kw, sh, sw, ph, pw } = geometry(p);
      return [c, slide(type, 'height', h, kh, sh, ph, ph), slide(type, 'width', w, kw, sw, pw, pw)];
    },
    create(p, { tf }) {
      const { kh, kw, sh, sw, ph, pw } = geometry(p);
      return {
        variables: [],
        apply: (x) => {
          const padded = ph || pw ? tf.pad(x, [[0, 0], [ph, ph], [pw, pw], [0, 0]], fill) : x;
          return op(tf, padded, [kh, kw], [sh, sw]);
        },
      };
    },
  });
}

export const maxPool2d = pool('maxPool2d', 'Maximum over each window, as torch.nn.MaxPool2d', -Infinity, '-infinity', (tf, x, k, s) => tf.maxPool(x as never, k, s, 'valid'));
export const avgPool2d = pool('avgPool2d', 'Mean over each window (padding counted, as torch.nn.AvgPool2d by default)', 0, 'Zeros', (tf, x, k, s) => tf.avgPool(x as never, k, s, 'valid'));

export const globalAvgPool2d = defineLayer<Record<string, never>>({
  type: 'globalAvgPool2d',
  summary: 'Mean of each channel over the whole image: [C, H, W] to [C], as torch.nn.AdaptiveAvgPool2d(1) followed by flatten',
  params: { type: 'object', properties: {}, additionalProperties: false },
  outputShape: (_p, inputShape) => [imageShape('globalAvgPool2d', inputShape)[0]],
  create: (_p, { tf }) => ({ variables: [], apply: (x) => tf.mean(x, [1, 2]) }),
});

import { defineLayer, type TF, type Tensor } from '../kinds.js';
import { kernelsFor } from '../../kernels/index.js';
import { imageShape, pair, pairSchema, slide, uniform } from './layout.js';

export interface Conv2dParams {
  outChannels: number;
  kernelSize: number | number[];
  stride: number | number[];
  padding: number | number[] | 'same' | 'valid';
  dilation: number | number[];
  bias: boolean;
  /** Set by fuse, never written in a config (the schema has no such key): a relu layer follows and rides in this one. */
  relu?: boolean;
}

/** [top, bottom, left, right] padding as torch applies it ('same': the odd pixel after, as torch does). */
export function convPadding(p: Pick<Conv2dParams, 'kernelSize' | 'padding' | 'dilation'>): [number, number, number, number] {
  if (p.padding === 'valid') return [0, 0, 0, 0];
  if (p.padding === 'same') {
    const [kh, kw] = pair(p.kernelSize);
    const [dh, dw] = pair(p.dilation);
    const [th, tw] = [dh * (kh - 1), dw * (kw - 1)];
    return [Math.floor(th / 2), th - Math.floor(th / 2), Math.floor(tw / 2), tw - Math.floor(tw / 2)];
  }
  const [ph, pw] = pair(p.padding);
  return [ph, ph, pw, pw];
}

/**
 * A filter [kh, kw, in, out] with dilation-1 zeros between its taps: a dilated convolution as a plain
 * one, whose gradients every backend has (TF.js's conv2d has none for dilation > 1).
 */
export function dilateFilter(tf: TF, w: Tensor, dh: number, dw: number): Tensor {
  if (dh === 1 && dw === 1) return w;
  const [kh, kw, i, o] = w.shape as [number, number, number, number];
  const spaced = tf.pad(tf.reshape(w, [kh, 1, kw, 1, i, o]), [[0, 0], [0, dh - 1], [0, 0], [0, dw - 1], [0, 0], [0, 0]]);
  return tf.slice(tf.reshape(spaced, [kh * dh, kw * dw, i, o]), [0, 0, 0, 0], [dh * (kh - 1) + 1, dw * (kw - 1) + 1, i, o]);
}

export default defineLayer<Conv2dParams>({
  type: 'conv2d',
  summary: '2-D convolution over [channels, height, width] samples, as torch.nn.Conv2d (in-channels from the input; same init)',
  params: {
    type: 'object',
    properties: {
      outChannels: { type: 'integer', minimum: 1, maximum: 65536, description: 'Filters (torch out_channels)' },
      kernelSize: pairSchema('Filter size: an integer or [height, width] (torch kernel_size)', 1),
      stride: pairSchema('Step between windows: an integer or [height, width]', 1, 1),
      padding: {
        oneOf: [
          { type: 'integer', minimum: 0 },
          { type: 'array', items: { type: 'integer', minimum: 0 }, minItems: 2, maxItems: 2 },
          { enum: ['same', 'valid'] },
        ],
        default: 0,
        description: "Zeros added on each side: an integer, [height, width], 'same' (output as large as the input; stride 1) or 'valid' (none)",
      },
      dilation: pairSchema('Spacing between filter taps: an integer or [height, width]', 1, 1),
      bias: { type: 'boolean', default: true, description: 'Add a learned bias per filter' },
    },
    required: ['outChannels', 'kernelSize'],
    additionalProperties: false,
  },
  check(p) {
    const stride = pair(p.stride ?? 1);
    return p.padding === 'same' && (stride[0] !== 1 || stride[1] !== 1) ? [{ path: 'padding', message: "padding 'same' needs stride 1 (as in torch); give the padding as a number" }] : [];
  },
  outputShape(p, inputShape) {
    const [, h, w] = imageShape('conv2d', inputShape);
    const [kh, kw] = pair(p.kernelSize);
    const [sh, sw] = pair(p.stride);
    const [dh, dw] = pair(p.dilation);
    const [top, bottom, left, right] = convPadding(p);
    return [p.outChannels, slide('conv2d', 'height', h, kh, sh, top, bottom, dh), slide('conv2d', 'width', w, kw, sw, left, right, dw)];
  },
  // A relu layer after a convolution rides in its kernels (where the backend has them).
  fuse: (p, next) => (next.type === 'relu' && !p.relu ? { ...p, relu: true } : undefined),
  parameters(p, inputShape) {
    const [kh, kw] = pair(p.kernelSize);
    return p.outChannels * (inputShape[0]! * kh * kw + (p.bias ? 1 : 0));
  },
  // torch.nn.Conv2d keeps its weight as [out, in, kh, kw]; inside it is [kh, kw, in, out].
  torch: (p, inputShape) => {
    const [kh, kw] = pair(p.kernelSize);
    return [
      { name: 'weight', shape: [p.outChannels, inputShape[0]!, kh, kw], from: 'variables', index: 0, permute: [2, 3, 1, 0] },
      ...(p.bias ? [{ name: 'bias', shape: [p.outChannels], from: 'variables' as const, index: 1 }] : []),
    ];
  },
  create(p, { tf, inputShape, random, inputNeedsGrad }) {
    const inChannels = inputShape[0]!;
    const [kh, kw] = pair(p.kernelSize);
    const [sh, sw] = pair(p.stride);
    const [dh, dw] = pair(p.dilation);
    const [top, bottom, left, right] = convPadding(p);
    const fanIn = inChannels * kh * kw;
    const bound = 1 / Math.sqrt(fanIn);
    // Drawn in torch's layout [out, in, kh, kw], held in TF.js's [kh, kw, in, out].
    const weight = tf.tidy(() => tf.variable(tf.transpose(tf.tensor4d(uniform(p.outChannels * fanIn, bound, random), [p.outChannels, inChannels, kh, kw]), [2, 3, 1, 0]), true));
    const bias = p.bias ? tf.tidy(() => tf.variable(tf.tensor1d(uniform(p.outChannels, bound, random)), true)) : null;
    const padding = [[0, 0], [top, bottom], [left, right], [0, 0]] as [[number, number], [number, number], [number, number], [number, number]];
    const windows = { strides: [sh, sw] as [number, number], pad: padding };
    const relu = p.relu === true;
    const variables = bias ? [weight, bias] : [weight];
    const plain = (x: Tensor): Tensor => {
      const z = tf.conv2d(x as never, dilateFilter(tf, weight, dh, dw) as never, [sh, sw], padding);
      const y = bias ? tf.add(z, bias) : z;
      return relu ? tf.relu(y) : y;
    };
    // The backend's one-kernel passes (bias and ReLU inside), looked up on every call: a layer
    // outlives a tf.setBackend. A dilated filter is spaced out by ops first, so it takes the ops.
    const fused = (x: Tensor): Tensor | null => {
      const { convForward, convBackward } = kernelsFor(tf);
      if (!convForward || !convBackward || dh !== 1 || dw !== 1) return null;
      // The first trainable layer's input is data: its gradient is not computed at all.
      const inputs = inputNeedsGrad ? [x, ...variables] : variables;
      const op = tf.customGrad(((...args: unknown[]) => {
        const save = args[args.length - 1] as (t: Tensor[]) => void;
        const y = convForward(x, weight, bias, relu, windows);
        save([x, y]);
        return {
          value: y,
          gradFunc: (dy: Tensor, [sx, sy]: Tensor[]) => {
            const { dx, dw: dW, db } = convBackward({ dy, x: sx!, y: sy!, w: weight, relu, bias: bias !== null, inputGrad: inputNeedsGrad, ...windows });
            return [...(dx ? [dx] : []), dW, ...(db ? [db] : [])];
          },
        };
      }) as never) as unknown as (...t: Tensor[]) => Tensor;
      return op(...inputs);
    };
    return {
      variables,
      names: bias ? ['weight', 'bias'] : ['weight'],
      apply: (x) => fused(x) ?? plain(x),
    };
  },
});

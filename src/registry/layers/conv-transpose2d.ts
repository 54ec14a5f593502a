import { defineLayer } from '../kinds.js';
import { imageShape, pair, pairSchema, uniform } from './layout.js';

export interface ConvTranspose2dParams {
  outChannels: number;
  kernelSize: number | number[];
  stride: number | number[];
  padding: number | number[];
  outputPadding: number | number[];
  bias: boolean;
}

/** torch's output size: (in - 1)·stride - 2·padding + kernel + outputPadding. */
const outSize = (size: number, k: number, s: number, p: number, op: number) => (size - 1) * s - 2 * p + k + op;

export default defineLayer<ConvTranspose2dParams>({
  type: 'convTranspose2d',
  summary: '2-D transposed convolution (the gradient of conv2d), as torch.nn.ConvTranspose2d: upsampling in convolutional autoencoders',
  params: {
    type: 'object',
    properties: {
      outChannels: { type: 'integer', minimum: 1, maximum: 65536, description: 'Output channels (torch out_channels)' },
      kernelSize: pairSchema('Filter size: an integer or [height, width]', 1),
      stride: pairSchema('Stride: an integer or [height, width]', 1, 1),
      padding: pairSchema('Rows and columns taken off each side of the output: an integer or [height, width]', 0, 0),
      outputPadding: pairSchema('Rows and columns added at the bottom and right of the output (less than the stride)', 0, 0),
      bias: { type: 'boolean', default: true, description: 'Add a learned bias per output channel' },
    },
    required: ['outChannels', 'kernelSize'],
    additionalProperties: false,
  },
  check(p) {
    const [sh, sw] = pair(p.stride ?? 1);
    const [oh, ow] = pair(p.outputPadding ?? 0);
    return oh >= sh || ow >= sw ? [{ path: 'outputPadding', message: `must be smaller than the stride (as in torch; got outputPadding ${JSON.stringify(p.outputPadding)} with stride ${JSON.stringify(p.stride ?? 1)})` }] : [];
  },
  outputShape(p, inputShape) {
    const [, h, w] = imageShape('convTranspose2d', inputShape);
    const [kh, kw] = pair(p.kernelSize);
    const [sh, sw] = pair(p.stride);
    const [ph, pw] = pair(p.padding);
    const [oh, ow] = pair(p.outputPadding);
    const shape = [p.outChannels, outSize(h, kh, sh, ph, oh), outSize(w, kw, sw, pw, ow)];
    if (shape[1]! < 1 || shape[2]! < 1) throw new Error(`convTranspose2d: padding ${JSON.stringify(p.padding)} leaves no output from [${inputShape.join(', ')}]`);
    return shape;
  },
  parameters(p, inputShape) {
    const [kh, kw] = pair(p.kernelSize);
    return inputShape[0]! * p.outChannels * kh * kw + (p.bias ? p.outChannels : 0);
  },
  // torch.nn.ConvTranspose2d keeps its weight as [in, out, kh, kw]; inside it is [kh, kw, out, in].
  torch: (p, inputShape) => {
    const [kh, kw] = pair(p.kernelSize);
    return [
      { name: 'weight', shape: [inputShape[0]!, p.outChannels, kh, kw], from: 'variables', index: 0, permute: [2, 3, 1, 0] },
      ...(p.bias ? [{ name: 'bias', shape: [p.outChannels], from: 'variables' as const, index: 1 }] : []),
    ];
  },
  create(p, { tf, inputShape, random }) {
    const inChannels = inputShape[0]!;
    const [kh, kw] = pair(p.kernelSize);
    const [sh, sw] = pair(p.stride);
    const [ph, pw] = pair(p.padding);
    const [oph, opw] = pair(p.outputPadding);
    // torch computes the fan-in of ConvTranspose2d's weight [in, out, kh, kw] from its dim 1.
    const bound = 1 / Math.sqrt(p.outChannels * kh * kw);
    // Drawn in torch's layout [in, out, kh, kw], held as TF.js's transposed-convolution filter [kh, kw, out, in].
    const weight = tf.tidy(() => tf.variable(tf.transpose(tf.tensor4d(uniform(inChannels * p.outChannels * kh * kw, bound, random), [inChannels, p.outChannels, kh, kw]), [2, 3, 1, 0]), true));
    const bias = p.bias ? tf.tidy(() => tf.variable(tf.tensor1d(uniform(p.outChannels, bound, random)), true)) : null;
    return {
      variables: bias ? [weight, bias] : [weight],
      names: bias ? ['weight', 'bias'] : ['weight'],
      apply: (x) => {
        const [b, h, w] = x.shape as [number, number, number, number];
        const outShape: [number, number, number, number] = [b, outSize(h, kh, sh, ph, oph), outSize(w, kw, sw, pw, opw), p.outChannels];
        // The gradient of a convolution over the output with this padding; outputPadding's rows are the
        // ones that convolution's floor leaves out.
        const y = tf.conv2dTranspose(x as never, weight as never, outShape, [sh, sw], [[0, 0], [ph, ph], [pw, pw], [0, 0]] as never);
        return bias ? tf.add(y, bias) : y;
      },
    };
  },
});

// Helpers of the image layers: params that are an integer or a pair, shapes, torch's init. The
// layout conversions (channels first outside, NHWC inside) are in ../tensor-layout.ts.
export { toInternal, toTorch } from '../tensor-layout.js';

/** An integer or [h, w] as [h, w]. */
export const pair = (v: number | number[]): [number, number] => (Array.isArray(v) ? [v[0]!, v[1]!] : [v, v]);

/** JSON Schema of a param that is an integer or a [height, width] pair. */
export const pairSchema = (description: string, minimum: number, defaultValue?: number) => ({
  oneOf: [
    { type: 'integer', minimum },
    { type: 'array', items: { type: 'integer', minimum }, minItems: 2, maxItems: 2 },
  ],
  ...(defaultValue !== undefined ? { default: defaultValue } : {}),
  description,
});

/** [C, H, W] of an image sample, or an Error that says what the layer needs. */
export function imageShape(layer: string, inputShape: number[]): [number, number, number] {
  if (inputShape.length !== 3) {
    throw new Error(`${layer} expects image samples [channels, height, width] but gets shape [${inputShape.join(', ')}]${inputShape.length === 2 ? '; a dataset of 2-D samples needs a channel: add a reshape layer' : inputShape.length === 1 ? '; put a reshape layer before it' : ''}`);
  }
  return inputShape as [number, number, number];
}

/** Output size of a window sliding over `size` with padding on both sides (torch's floor formula), or an Error. */
export function slide(layer: string, axis: string, size: number, kernel: number, stride: number, padBefore: number, padAfter: number, dilation = 1): number {
  const span = dilation * (kernel - 1) + 1;
  const out = Math.floor((size + padBefore + padAfter - span) / stride) + 1;
  if (out < 1) throw new Error(`${layer}: a ${kernel}-wide window${dilation > 1 ? ` (dilation ${dilation})` : ''} does not fit the input's ${axis} of ${size} with padding ${padBefore + padAfter === 2 * padBefore ? padBefore : `${padBefore}/${padAfter}`}`);
  return out;
}

/** Uniform in ±bound, as torch's kaiming_uniform_(a=√5) and its bias init draw (bound 1/√fanIn). */
export function uniform(count: number, bound: number, random: () => number): Float32Array {
  const values = new Float32Array(count);
  for (let i = 0; i < count; i++) values[i] = (random() * 2 - 1) * bound;
  return values;
}

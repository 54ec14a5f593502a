// Convolution as matrix products: the patches of an NHWC input laid out as rows (im2col), so a
// convolution is patches · filter, its filter gradient patchesᵀ · dy, and its input gradient
// dy · filterᵀ scattered back (col2im). Plain loops over one Float32Array (a wasm heap), by index.

/** The geometry of a 2-D convolution over NHWC data, as TF.js's computeConv2DInfo gives it. */
export interface ConvGeometry {
  batchSize: number;
  inHeight: number;
  inWidth: number;
  inChannels: number;
  outHeight: number;
  outWidth: number;
  filterHeight: number;
  filterWidth: number;
  strideHeight: number;
  strideWidth: number;
  dilationHeight: number;
  dilationWidth: number;
  padInfo: { top: number; left: number };
}

/** Rows (one per output position) and columns (filterHeight × filterWidth × inChannels) of the patch matrix. */
export const patchShape = (g: ConvGeometry): [number, number] => [g.batchSize * g.outHeight * g.outWidth, g.filterHeight * g.filterWidth * g.inChannels];

/** The first and one-past-last filter column j whose input column ow*stride - left + j*dilation lies inside the input. */
function inside(o: number, stride: number, pad: number, dilation: number, taps: number, size: number): [number, number] {
  const origin = o * stride - pad;
  let first = 0;
  while (first < taps && origin + first * dilation < 0) first++;
  let end = taps;
  while (end > first && origin + (end - 1) * dilation >= size) end--;
  return [first, end];
}

/**
 * Writes the patch matrix of input x (NHWC, at float index x of h) at float index cols: row
 * (b, oh, ow), column (i, j, c) holds x[b, oh*sh - top + i*dh, ow*sw - left + j*dw, c], or 0 in
 * the padding.
 */
export function im2col(h: Float32Array, x: number, cols: number, g: ConvGeometry): void {
  const { batchSize, inHeight: H, inWidth: W, inChannels: C, outHeight, outWidth, filterHeight: KH, filterWidth: KW } = g;
  const { strideHeight: SH, strideWidth: SW, dilationHeight: DH, dilationWidth: DW } = g;
  const { top, left } = g.padInfo;
  const run = KW * C;
  let d = cols;
  for (let b = 0; b < batchSize; b++) {
    for (let oh = 0; oh < outHeight; oh++) {
      for (let ow = 0; ow < outWidth; ow++) {
        const [first, end] = inside(ow, SW, left, DW, KW, W);
        const iw0 = ow * SW - left;
        for (let i = 0; i < KH; i++) {
          const ih = oh * SH - top + i * DH;
          if (ih < 0 || ih >= H) {
            h.fill(0, d, d + run);
            d += run;
            continue;
          }
          const rowBase = x + (b * H + ih) * W * C;
          if (DW === 1 && first === 0 && end === KW) {
            // The whole filter row lies inside: KW × C contiguous values.
            const s = rowBase + iw0 * C;
            if (run <= 8) for (let k = 0; k < run; k++) h[d + k] = h[s + k]!;
            else h.copyWithin(d, s, s + run);
            d += run;
            continue;
          }
          for (let j = 0; j < KW; j++) {
            if (j < first || j >= end) h.fill(0, d, d + C);
            else {
              const s = rowBase + (iw0 + j * DW) * C;
              if (C <= 8) for (let k = 0; k < C; k++) h[d + k] = h[s + k]!;
              else h.copyWithin(d, s, s + C);
            }
            d += C;
          }
        }
      }
    }
  }
}

/** Adds each value of the patch matrix at float index cols back where im2col took it from, into dx (NHWC, zeroed first here). */
export function col2im(h: Float32Array, cols: number, dx: number, g: ConvGeometry): void {
  const { batchSize, inHeight: H, inWidth: W, inChannels: C, outHeight, outWidth, filterHeight: KH, filterWidth: KW } = g;
  const { strideHeight: SH, strideWidth: SW, dilationHeight: DH, dilationWidth: DW } = g;
  const { top, left } = g.padInfo;
  const run = KW * C;
  h.fill(0, dx, dx + batchSize * H * W * C);
  let d = cols;
  for (let b = 0; b < batchSize; b++) {
    for (let oh = 0; oh < outHeight; oh++) {
      for (let ow = 0; ow < outWidth; ow++) {
        const [first, end] = inside(ow, SW, left, DW, KW, W);
        const iw0 = ow * SW - left;
        for (let i = 0; i < KH; i++) {
          const ih = oh * SH - top + i * DH;
          if (ih < 0 || ih >= H) {
            d += run;
            continue;
          }
          const rowBase = dx + (b * H + ih) * W * C;
          if (DW === 1 && first === 0 && end === KW) {
            const s = rowBase + iw0 * C;
            for (let k = 0; k < run; k++) h[s + k]! += h[d + k]!;
            d += run;
            continue;
          }
          for (let j = first; j < end; j++) {
            const s = rowBase + (iw0 + j * DW) * C;
            const from = d + j * C;
            for (let k = 0; k < C; k++) h[s + k]! += h[from + k]!;
          }
          d += run;
        }
      }
    }
  }
}

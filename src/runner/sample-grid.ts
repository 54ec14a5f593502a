// A reconstruction grid as a PNG: for a fixed set of test images, a row of noisy inputs, a row of
// the model's reconstructions and a row of clean targets, grayscale, values clipped to [0, 1].
import { PNG } from 'pngjs';

const GAP = 2;

/**
 * rows[r] holds `count` images of height × width (channels first; the first channel is drawn), one
 * after another. Images are separated by GAP white pixels.
 */
export function gridPng(rows: Float32Array[], count: number, shape: number[]): Buffer {
  const [channels, height, width] = shape.length === 3 ? (shape as [number, number, number]) : [1, shape[0]!, shape[1]!];
  const size = channels * height * width;
  const png = new PNG({ width: count * (width + GAP) + GAP, height: rows.length * (height + GAP) + GAP });
  png.data.fill(255);
  rows.forEach((values, r) => {
    for (let i = 0; i < count; i++) {
      for (let y = 0; y < height; y++) {
        for (let x = 0; x < width; x++) {
          const v = values[i * size + y * width + x] ?? 0;
          const grey = Math.round(255 * Math.min(1, Math.max(0, Number.isFinite(v) ? v : 0)));
          const at = 4 * ((GAP + r * (height + GAP) + y) * png.width + GAP + i * (width + GAP) + x);
          png.data[at] = png.data[at + 1] = png.data[at + 2] = grey;
          png.data[at + 3] = 255;
        }
      }
    }
  });
  return PNG.sync.write(png);
}

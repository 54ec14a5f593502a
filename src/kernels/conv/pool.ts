// MaxPoolGrad for the wasm backends: theirs (tfjs-backend-wasm 4.22) routes the gradient to the
// wrong inputs (measured against torch's max_pool2d in test/registry/layers/golden.test.ts). The
// gradient goes to the first maximum of each window in scan order, as torch's does.
import type * as tfjs from '@tensorflow/tfjs';
import { replaceKernel } from '../tf-kernels.js';
import { heapOffset, type TensorInfo, type WasmBackend } from '../wasm/simd.js';

type TF = typeof tfjs;

interface KernelArgs {
  inputs: Record<string, TensorInfo>;
  backend: WasmBackend;
  attrs: Record<string, unknown>;
}

// Scratch per channel, reused across calls (kernels run one at a time on a thread).
let best = new Float32Array(0);
let where = new Int32Array(0);

export function registerMaxPoolGrad(tf: TF, backendName: string): void {
  replaceKernel(tf, {
    kernelName: 'MaxPoolGrad',
    backendName,
    kernelFunc: (({ inputs: { dy, input }, backend, attrs }: KernelArgs) => {
      const g = tf.backend_util.computePool2DInfo(
        input!.shape as [number, number, number, number],
        attrs.filterSize as [number, number],
        attrs.strides as [number, number],
        1,
        attrs.pad as 'valid',
        attrs.dimRoundingMode as 'floor' | undefined,
      );
      const [xAt, dyAt] = [heapOffset(backend, input!), heapOffset(backend, dy!)];
      const dx = backend.makeOutput(input!.shape, 'float32');
      // Views of exactly each tensor: V8 indexes a view of the whole heap (gigabytes) several times slower.
      const view = (offset: number, t: TensorInfo) => new Float32Array(backend.wasm.HEAPU8.buffer, offset, t.shape.reduce((a, b) => a * b, 1));
      const [xv, dyv, dxv] = [view(xAt, input!), view(dyAt, dy!), view(heapOffset(backend, dx), dx)];
      const { batchSize, inHeight: H, inWidth: W, inChannels: C, outHeight, outWidth, strideHeight, strideWidth, filterHeight, filterWidth } = g;
      const { top, left } = g.padInfo;
      dxv.fill(0);
      // Per output pixel, the window's taps in scan order with the channels innermost (contiguous in
      // NHWC): the running maximum and where it is, per channel.
      if (best.length < C) [best, where] = [new Float32Array(C), new Int32Array(C)];
      let d = 0;
      for (let b = 0; b < batchSize; b++) {
        for (let oh = 0; oh < outHeight; oh++) {
          const h0 = Math.max(0, oh * strideHeight - top);
          const h1 = Math.min(H, oh * strideHeight - top + filterHeight);
          for (let ow = 0; ow < outWidth; ow++, d += C) {
            const w0 = Math.max(0, ow * strideWidth - left);
            const w1 = Math.min(W, ow * strideWidth - left + filterWidth);
            let first = true;
            for (let ih = h0; ih < h1; ih++) {
              for (let iw = w0; iw < w1; iw++) {
                const base = ((b * H + ih) * W + iw) * C;
                if (first) {
                  for (let c = 0; c < C; c++) {
                    best[c] = xv[base + c]!;
                    where[c] = base + c;
                  }
                  first = false;
                  continue;
                }
                for (let c = 0; c < C; c++) {
                  const v = xv[base + c]!;
                  if (v > best[c]!) {
                    best[c] = v;
                    where[c] = base + c;
                  }
                }
              }
            }
            if (!first) for (let c = 0; c < C; c++) dxv[where[c]!]! += dyv[d + c]!;
          }
        }
      }
      return dx;
    }) as never,
  });
}

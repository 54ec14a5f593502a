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
      const [xAt, dyAt] = [heapOffset(backend, input!) / 4, heapOffset(backend, dy!) / 4];
      const dx = backend.makeOutput(input!.shape, 'float32');
      const h = new Float32Array(backend.wasm.HEAPU8.buffer);
      const dxAt = heapOffset(backend, dx) / 4;
      const { batchSize, inHeight: H, inWidth: W, inChannels: C, outHeight, outWidth, strideHeight, strideWidth, filterHeight, filterWidth } = g;
      const { top, left } = g.padInfo;
      h.fill(0, dxAt, dxAt + batchSize * H * W * C);
      let d = dyAt;
      for (let b = 0; b < batchSize; b++) {
        for (let oh = 0; oh < outHeight; oh++) {
          const h0 = Math.max(0, oh * strideHeight - top);
          const h1 = Math.min(H, oh * strideHeight - top + filterHeight);
          for (let ow = 0; ow < outWidth; ow++) {
            const w0 = Math.max(0, ow * strideWidth - left);
            const w1 = Math.min(W, ow * strideWidth - left + filterWidth);
            for (let c = 0; c < C; c++, d++) {
              let best = -1;
              let max = -Infinity;
              for (let ih = h0; ih < h1; ih++) {
                for (let iw = w0; iw < w1; iw++) {
                  const at = ((b * H + ih) * W + iw) * C + c;
                  const v = h[xAt + at]!;
                  if (v > max || best < 0 || Number.isNaN(v)) {
                    max = v;
                    best = at;
                    if (Number.isNaN(v)) break;
                  }
                }
              }
              if (best >= 0) h[dxAt + best]! += h[d]!;
            }
          }
        }
      }
      return dx;
    }) as never,
  });
}

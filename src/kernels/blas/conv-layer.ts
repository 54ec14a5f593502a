// A convolution layer's forward and backward passes as one kernel each on wasm-blas, a block of
// images at a time: each block's patch matrix (im2col) is made in a scratch of about a megabyte
// and multiplied while it is still in cache, instead of a patch matrix of the whole batch (tens of
// megabytes, written and read back from memory in each of the three products). The bias and a
// following ReLU are one simd.wat pass over each block of the product; the backward pass masks
// each block of dy by the output in one SIMD pass, accumulates dW and db over the blocks (sgemm's
// beta = 1; db as a product with a row of ones) and scatters each block's dx back with col2im.
// Instead of Conv2D, Add, Relu forward and Step, Cast, Multiply, Sum and the two gradients back.
import type * as tfjs from '@tensorflow/tfjs';
import type { ConvWindows, Kernels } from '../index.js';
import { replaceKernel } from '../tf-kernels.js';
import { heapOffset, simdLoops, wasmHeap, type TensorInfo, type WasmBackend } from '../wasm/simd.js';
import { geometry, pointwise, unfoldAt, type KernelArgs } from '../conv/kernels.js';
import { patchShape, type ConvGeometry } from '../conv/im2col.js';
import type { Sgemm } from './open.js';

type TF = typeof tfjs;
type Tensor = tfjs.Tensor;

/** TF.js names of the two kernels. */
export const CONV_FORWARD = 'TrainyardConvForward';
export const CONV_BACKWARD = 'TrainyardConvBackward';

/** Floats of one block's patch matrix: about a megabyte, which stays in a core's cache between im2col and the product. */
export const BLOCK_FLOATS = 256 * 1024;

const size = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

// Reused across calls (kernels run one at a time on a thread).
let ones = new Float32Array(0);

function check(name: string, ...tensors: TensorInfo[]): void {
  for (const t of tensors) if (t.dtype !== 'float32') throw new Error(`${name}: takes float32 tensors only, got ${t.dtype}`);
}

/** The batch in blocks of whole images: [first image, images] each, with the block geometry. */
function blocks(g: ConvGeometry, blockFloats: number): { first: number; g: ConvGeometry }[] {
  const perImage = g.outHeight * g.outWidth * patchShape(g)[1];
  const images = Math.max(1, Math.floor(blockFloats / Math.max(1, perImage)));
  const out: { first: number; g: ConvGeometry }[] = [];
  for (let first = 0; first < g.batchSize; first += images) out.push({ first, g: { ...g, batchSize: Math.min(images, g.batchSize - first) } });
  return out;
}

/** Frees tensors made for a kernel that failed (no tensor will ever own them) or scratch. */
const free = (backend: WasmBackend, ...tensors: (TensorInfo | null)[]) => {
  for (const t of tensors) if (t) backend.disposeData(t.dataId);
};

/** Registers both kernels for backend `backendName` on `sgemm`; blocks of `blockFloats` patch values (tests make them small). */
export function registerConvLayerKernels(tf: TF, backendName: string, sgemm: Sgemm, blockFloats = BLOCK_FLOATS): void {
  const geometryOf = (x: TensorInfo, filter: TensorInfo, attrs: Record<string, unknown>) => geometry(tf, x.shape, filter.shape, { strides: attrs.strides, pad: attrs.pad, dilations: 1 });

  replaceKernel(tf, {
    kernelName: CONV_FORWARD,
    backendName,
    kernelFunc: (({ inputs: { x, filter, bias }, backend, attrs }: KernelArgs) => {
      check(CONV_FORWARD, x!, filter!, ...(bias ? [bias] : []));
      const g = geometryOf(x!, filter!, attrs);
      const [, k] = patchShape(g);
      const channels = filter!.shape[3]!;
      if (bias && size(bias.shape) !== channels) throw new Error(`${CONV_FORWARD}: bias of shape [${bias.shape}] for ${channels} filters`);
      const offset = (t: TensorInfo) => heapOffset(backend, t);
      const [xAt, wAt, biasAt] = [offset(x!), offset(filter!), bias ? offset(bias) : 0]; // inputs before allocations (see heapOffset)
      const parts = blocks(g, blockFloats);
      const out = backend.makeOutput([g.batchSize, g.outHeight, g.outWidth, channels], 'float32');
      const scratch = pointwise(g) ? null : backend.makeOutput([(parts[0]?.g.batchSize ?? 0) * g.outHeight * g.outWidth, k], 'float32');
      try {
        const heap = backend.wasm.HEAPU8.buffer;
        const [outAt, scratchAt] = [offset(out), scratch ? offset(scratch) : 0];
        const imageIn = g.inHeight * g.inWidth * g.inChannels * 4;
        const imageOut = g.outHeight * g.outWidth * channels * 4;
        for (const { first, g: part } of parts) {
          const rows = part.batchSize * g.outHeight * g.outWidth;
          let cols = xAt + first * imageIn;
          if (scratch) {
            unfoldAt(backend, 'im2col', cols, scratchAt, part);
            cols = scratchAt;
          }
          const to = outAt + first * imageOut;
          sgemm(false, false, rows, channels, k, new Float32Array(heap, cols, rows * k), new Float32Array(heap, wAt, k * channels), 0, new Float32Array(heap, to, rows * channels));
          // While the block is in cache: one pass for both.
          if (bias) simdLoops(wasmHeap(backend)!).biasAct(to, biasAt, rows, channels, attrs.relu ? 1 : 0);
          else if (attrs.relu) reluInPlace(backend, to, rows * channels);
        }
        return out;
      } catch (error) {
        free(backend, out);
        throw error;
      } finally {
        free(backend, scratch);
      }
    }) as never,
  });

  replaceKernel(tf, {
    kernelName: CONV_BACKWARD,
    backendName,
    kernelFunc: (({ inputs: { dy, x, y, filter }, backend, attrs }: KernelArgs) => {
      check(CONV_BACKWARD, dy!, x!, y!, filter!);
      const g = geometryOf(x!, filter!, attrs);
      const [, k] = patchShape(g);
      const channels = filter!.shape[3]!;
      const offset = (t: TensorInfo) => heapOffset(backend, t);
      const [dyAt, xAt, yAt, wAt] = [offset(dy!), offset(x!), offset(y!), offset(filter!)]; // inputs before allocations
      const parts = blocks(g, blockFloats);
      const blockRows = (parts[0]?.g.batchSize ?? 0) * g.outHeight * g.outWidth;
      const dW = backend.makeOutput(filter!.shape, 'float32');
      const db = attrs.bias ? backend.makeOutput([channels], 'float32') : null;
      const dx = attrs.inputGrad ? backend.makeOutput(x!.shape, 'float32') : null;
      const dz = attrs.relu ? backend.makeOutput([blockRows, channels], 'float32') : null;
      const cols = pointwise(g) ? null : backend.makeOutput([blockRows, k], 'float32');
      const dcols = dx && cols ? backend.makeOutput([blockRows, k], 'float32') : null;
      let ok = false;
      try {
        const heap = backend.wasm.HEAPU8.buffer;
        const view = (at: number, n: number) => new Float32Array(heap, at, n);
        const [dWv, wv] = [view(offset(dW), k * channels), view(wAt, k * channels)];
        const dbv = db ? view(offset(db), channels) : null;
        const imageIn = g.inHeight * g.inWidth * g.inChannels * 4;
        const imageOut = g.outHeight * g.outWidth * channels * 4;
        if (ones.length < blockRows) ones = new Float32Array(blockRows).fill(1);
        if (g.batchSize === 0 || g.outHeight * g.outWidth === 0) {
          dWv.fill(0);
          dbv?.fill(0);
          if (dx) view(offset(dx), size(x!.shape)).fill(0);
        }
        for (const [i, { first, g: part }] of parts.entries()) {
          const rows = part.batchSize * g.outHeight * g.outWidth;
          if (rows === 0) continue;
          const beta = i === 0 ? 0 : 1;
          // dLoss/dz of this block: dy where the output is positive, with a ReLU.
          let dzAt = dyAt + first * imageOut;
          if (dz) {
            maskRelu(backend, dzAt, yAt + first * imageOut, offset(dz), rows * channels);
            dzAt = offset(dz);
          }
          const dzv = view(dzAt, rows * channels);
          let colsAt = xAt + first * imageIn;
          if (cols) {
            unfoldAt(backend, 'im2col', colsAt, offset(cols), part);
            colsAt = offset(cols);
          }
          sgemm(true, false, k, channels, rows, view(colsAt, rows * k), dzv, beta, dWv);
          if (dbv) sgemm(false, false, 1, channels, rows, ones.subarray(0, rows), dzv, beta, dbv);
          if (dx) {
            // A pointwise convolution's patch matrix is its input: dx itself.
            const dxAt = offset(dx) + first * imageIn;
            sgemm(false, true, rows, k, channels, dzv, wv, 0, view(dcols ? offset(dcols) : dxAt, rows * k));
            if (dcols) unfoldAt(backend, 'col2im', offset(dcols), dxAt, part);
          }
        }
        ok = true;
        return [dW, ...(db ? [db] : []), ...(dx ? [dx] : [])];
      } finally {
        free(backend, dz, cols, dcols);
        if (!ok) free(backend, dW, db, dx);
      }
    }) as never,
  });
}

function reluInPlace(backend: WasmBackend, at: number, n: number): void {
  if (n >= 4) return simdLoops(wasmHeap(backend)!).relu(at, n);
  const v = new Float32Array(backend.wasm.HEAPU8.buffer, at, n);
  for (let i = 0; i < n; i++) if (v[i]! < 0) v[i] = 0;
}

/** out = y > 0 ? dy : 0 over n floats at byte offsets. */
function maskRelu(backend: WasmBackend, dy: number, y: number, out: number, n: number): void {
  if (n >= 4) return simdLoops(wasmHeap(backend)!).reluGrad(dy, y, out, n);
  const heap = backend.wasm.HEAPU8.buffer;
  const [dyv, yv, outv] = [dy, y, out].map((at) => new Float32Array(heap, at, n));
  for (let i = 0; i < n; i++) outv![i] = yv![i]! > 0 ? dyv![i]! : 0;
}

/** The convolution layer's kernels for plugins, on a backend that registered both. */
export function convLayerKernels(tf: TF): Pick<Kernels, 'convForward' | 'convBackward'> {
  return {
    convForward: (x, w, b, relu, { strides, pad }: ConvWindows) =>
      tf.engine().runKernel(CONV_FORWARD, { x, filter: w, ...(b ? { bias: b } : {}) }, { strides, pad, relu } as never) as Tensor,
    convBackward({ dy, x, y, w, relu, bias, inputGrad: wantsInput, strides, pad }) {
      const [dw, ...rest] = tf.engine().runKernel(CONV_BACKWARD, { dy, x, y, filter: w }, { strides, pad, relu, bias, inputGrad: wantsInput } as never) as unknown as Tensor[];
      const db = bias ? rest.shift()! : null;
      const dx = wantsInput ? rest.shift()! : null;
      return { dw: dw!, db, dx };
    },
  };
}

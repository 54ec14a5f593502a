// Conv2D and its two gradients (Conv2DBackpropInput, Conv2DBackpropFilter) as kernels of a wasm
// backend, on im2col and the backend's matrix product: TF.js's wasm backend has no
// Conv2DBackpropFilter at all, and on wasm-blas the products run on OpenBLAS's sgemm, as the dense
// layer's do. Registered under TF.js's own names, so tf.conv2d and its autodiff use them unasked.
import type * as tfjs from '@tensorflow/tfjs';
import { replaceKernel } from '../tf-kernels.js';
import { heapOffset, simdLoops, wasmHeap, type TensorInfo, type WasmBackend } from '../wasm/simd.js';
import { col2im, im2col, patchShape, type ConvGeometry } from './im2col.js';

type TF = typeof tfjs;

/** op(a)·op(b) of two 2-D float32 tensors on the heap, as a new tensor on the heap. */
export type HeapProduct = (backend: WasmBackend, a: TensorInfo, b: TensorInfo, transposeA: boolean, transposeB: boolean) => TensorInfo;

export interface KernelArgs {
  inputs: Record<string, TensorInfo>;
  backend: WasmBackend;
  attrs: Record<string, unknown>;
}

/** The same data under another shape (a reshape without a kernel). */
export const view = (t: TensorInfo, shape: number[]): TensorInfo => ({ dataId: t.dataId, shape, dtype: t.dtype });
const floats = (backend: WasmBackend) => new Float32Array(backend.wasm.HEAPU8.buffer);
const at = (backend: WasmBackend, t: TensorInfo) => heapOffset(backend, t) / 4;

const dims = (g: ConvGeometry) => [
  g.batchSize, g.inHeight, g.inWidth, g.inChannels, g.outHeight, g.outWidth, g.filterHeight, g.filterWidth,
  g.strideHeight, g.strideWidth, g.dilationHeight, g.dilationWidth, g.padInfo.top, g.padInfo.left,
];

/**
 * im2col (or col2im) from tensor `from` into `to`: simd.wat's loops (bulk copies, four lanes at a
 * time: several times faster than the same loops in JS), or the JS ones where they cannot link.
 */
function unfold(backend: WasmBackend, direction: 'im2col' | 'col2im', from: TensorInfo, to: TensorInfo, g: ConvGeometry): void {
  unfoldAt(backend, direction, heapOffset(backend, from), heapOffset(backend, to), g);
}

/** unfold between byte offsets of the heap (a block of images of a tensor: g's batchSize of them). */
export function unfoldAt(backend: WasmBackend, direction: 'im2col' | 'col2im', from: number, to: number, g: ConvGeometry): void {
  const heap = wasmHeap(backend);
  if (heap) return simdLoops(heap)[direction](from, to, ...dims(g));
  (direction === 'im2col' ? im2col : col2im)(floats(backend), from / 4, to / 4, g);
}

/** A 1×1 convolution with stride 1 and no padding: its patch matrix is the input itself. */
export const pointwise = (g: ConvGeometry) =>
  g.filterHeight === 1 && g.filterWidth === 1 && g.strideHeight === 1 && g.strideWidth === 1 && g.padInfo.top === 0 && g.padInfo.left === 0;

export function geometry(tf: TF, inShape: number[], filterShape: number[], attrs: Record<string, unknown>): ConvGeometry {
  return tf.backend_util.computeConv2DInfo(
    inShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    attrs.strides as [number, number],
    (attrs.dilations ?? 1) as [number, number],
    attrs.pad as 'valid',
    attrs.dimRoundingMode as 'floor' | undefined,
    false,
    'channelsLast',
  );
}

/** The patch matrix of x on the heap (x itself for a pointwise convolution); `owned` says whether to free it. */
export function patches(backend: WasmBackend, x: TensorInfo, g: ConvGeometry): { cols: TensorInfo; owned: boolean } {
  const shape = patchShape(g);
  if (pointwise(g)) return { cols: view(x, shape), owned: false };
  at(backend, x); // inputs before allocations (see heapOffset)
  const cols = backend.makeOutput(shape, 'float32');
  unfold(backend, 'im2col', x, cols, g);
  return { cols, owned: true };
}

const nhwc = (attrs: Record<string, unknown>) => attrs.dataFormat === undefined || attrs.dataFormat === 'NHWC' || attrs.dataFormat === 'channelsLast';

function check(name: string, ...tensors: TensorInfo[]): void {
  for (const t of tensors) if (t.dtype !== 'float32') throw new Error(`${name}: takes float32 tensors only, got ${t.dtype}`);
}

/** Registers the three kernels for `backendName`, on `product`; a layout other than NHWC goes to the kernel registered before, if any. */
export function registerConvKernels(tf: TF, backendName: string, product: HeapProduct): void {
  const register = (kernelName: string, kernel: (args: KernelArgs) => TensorInfo) => {
    const before = tf.getKernel(kernelName, backendName);
    replaceKernel(tf, {
      kernelName,
      backendName,
      kernelFunc: ((args: KernelArgs) => {
        if (nhwc(args.attrs)) return kernel(args);
        if (before) return before.kernelFunc(args as never);
        throw new Error(`${kernelName} on ${backendName} takes NHWC data only (got ${String(args.attrs.dataFormat)})`);
      }) as never,
    });
  };

  register('Conv2D', ({ inputs: { x, filter }, backend, attrs }) => {
    check('Conv2D', x!, filter!);
    const g = geometry(tf, x!.shape, filter!.shape, attrs);
    const { cols, owned } = patches(backend, x!, g);
    try {
      const out = product(backend, cols, view(filter!, [patchShape(g)[1], filter!.shape[3]!]), false, false);
      return view(out, [g.batchSize, g.outHeight, g.outWidth, filter!.shape[3]!]);
    } finally {
      if (owned) backend.disposeData(cols.dataId);
    }
  });

  register('Conv2DBackpropFilter', ({ inputs: { x, dy }, backend, attrs }) => {
    check('Conv2DBackpropFilter', x!, dy!);
    const filterShape = attrs.filterShape as number[];
    return filterGrad(backend, product, x!, dy!, filterShape, geometry(tf, x!.shape, filterShape, { ...attrs, dilations: 1 }));
  });

  register('Conv2DBackpropInput', ({ inputs: { dy, filter }, backend, attrs }) => {
    check('Conv2DBackpropInput', dy!, filter!);
    const inputShape = attrs.inputShape as number[];
    return inputGrad(backend, product, dy!, filter!, inputShape, geometry(tf, inputShape, filter!.shape, { ...attrs, dilations: 1 }));
  });
}

/** The gradient of a convolution's filter (shaped filterShape): patchesᵀ · dy. */
export function filterGrad(backend: WasmBackend, product: HeapProduct, x: TensorInfo, dy: TensorInfo, filterShape: number[], g: ConvGeometry): TensorInfo {
  const { cols, owned } = patches(backend, x, g);
  try {
    const [rows] = patchShape(g);
    return view(product(backend, cols, view(dy, [rows, filterShape[3]!]), true, false), filterShape);
  } finally {
    if (owned) backend.disposeData(cols.dataId);
  }
}

/** The gradient of a convolution's input (shaped inputShape): dy · filterᵀ, scattered back by col2im. */
export function inputGrad(backend: WasmBackend, product: HeapProduct, dy: TensorInfo, filter: TensorInfo, inputShape: number[], g: ConvGeometry): TensorInfo {
  const [rows, k] = patchShape(g);
  const dcols = product(backend, view(dy, [rows, filter.shape[3]!]), view(filter, [k, filter.shape[3]!]), false, true);
  if (pointwise(g)) return view(dcols, inputShape);
  try {
    const dx = backend.makeOutput(inputShape, 'float32');
    unfold(backend, 'col2im', dcols, dx, g);
    return dx;
  } finally {
    backend.disposeData(dcols.dataId);
  }
}

/** The product of a backend's own BatchMatMul kernel (as registered when this is called). */
export function batchMatMulProduct(tf: TF, backendName: string): HeapProduct {
  const kernel = tf.getKernel('BatchMatMul', backendName);
  if (!kernel) throw new Error(`the ${backendName} backend has no BatchMatMul kernel`);
  return (backend, a, b, transposeA, transposeB) => {
    const out = kernel.kernelFunc({ inputs: { a, b }, backend, attrs: { transposeA, transposeB } } as never) as TensorInfo;
    return view(out, out.shape.slice(-2));
  };
}

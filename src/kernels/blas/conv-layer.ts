// A convolution layer's forward and backward passes as one kernel each on wasm-blas: the bias and
// a following ReLU are one simd.wat pass over the product in place, and the backward pass masks dy with the output in one SIMD pass and takes
// the bias gradient as one product with a row of ones. Instead of Conv2D, Add, Relu forward and
// Step, Cast, Multiply, Sum and the two convolution gradients backward, each a pass over memory.
import type * as tfjs from '@tensorflow/tfjs';
import type { ConvWindows, Kernels } from '../index.js';
import { replaceKernel } from '../tf-kernels.js';
import { heapOffset, simdLoops, wasmHeap, type TensorInfo, type WasmBackend } from '../wasm/simd.js';
import { filterGrad, geometry, inputGrad, patches, view, type HeapProduct, type KernelArgs } from '../conv/kernels.js';
import { patchShape } from '../conv/im2col.js';
import type { Sgemm } from './open.js';
import { product } from './products.js';

type TF = typeof tfjs;
type Tensor = tfjs.Tensor;

/** TF.js names of the two kernels. */
export const CONV_FORWARD = 'TrainyardConvForward';
export const CONV_BACKWARD = 'TrainyardConvBackward';

const size = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

// Reused across calls (kernels run one at a time on a thread).
let ones = new Float32Array(0);

function check(name: string, ...tensors: TensorInfo[]): void {
  for (const t of tensors) if (t.dtype !== 'float32') throw new Error(`${name}: takes float32 tensors only, got ${t.dtype}`);
}

/** Registers both kernels for backend `backendName` on `sgemm`. */
export function registerConvLayerKernels(tf: TF, backendName: string, sgemm: Sgemm): void {
  const heapProduct: HeapProduct = (backend, a, b, ta, tb) => product(sgemm, backend, a, b, ta, tb)!;
  const windowsOf = (attrs: Record<string, unknown>) => ({ strides: attrs.strides, pad: attrs.pad, dilations: 1 });

  replaceKernel(tf, {
    kernelName: CONV_FORWARD,
    backendName,
    kernelFunc: (({ inputs: { x, filter, bias }, backend, attrs }: KernelArgs) => {
      check(CONV_FORWARD, x!, filter!, ...(bias ? [bias] : []));
      const g = geometry(tf, x!.shape, filter!.shape, windowsOf(attrs));
      const { cols, owned } = patches(backend, x!, g);
      try {
        const [rows, k] = patchShape(g);
        const channels = filter!.shape[3]!;
        if (bias && size(bias.shape) !== channels) throw new Error(`${CONV_FORWARD}: bias of shape [${bias.shape}] for ${channels} filters`);
        const out = product(sgemm, backend, cols, view(filter!, [k, channels]), false, false)!;
        // One pass over the output for both (sgemm's beta = 1 on a copied bias costs a pass more).
        const loops = simdLoops(wasmHeap(backend)!);
        if (bias) loops.biasAct(heapOffset(backend, out), heapOffset(backend, bias), rows, channels, attrs.relu ? 1 : 0);
        else if (attrs.relu) reluInPlace(backend, out, rows * channels);
        return view(out, [g.batchSize, g.outHeight, g.outWidth, channels]);
      } finally {
        if (owned) backend.disposeData(cols.dataId);
      }
    }) as never,
  });

  replaceKernel(tf, {
    kernelName: CONV_BACKWARD,
    backendName,
    kernelFunc: (({ inputs: { dy, x, y, filter }, backend, attrs }: KernelArgs) => {
      check(CONV_BACKWARD, dy!, x!, y!, filter!);
      const g = geometry(tf, x!.shape, filter!.shape, windowsOf(attrs));
      const offset = (t: TensorInfo) => heapOffset(backend, t);
      for (const t of [dy!, x!, y!, filter!]) offset(t); // inputs before allocations (see heapOffset)
      const n = size(dy!.shape);
      const dz = attrs.relu ? backend.makeOutput(dy!.shape, 'float32') : dy!;
      const outputs: TensorInfo[] = [];
      let ok = false;
      try {
        if (attrs.relu) {
          if (n >= 4) simdLoops(wasmHeap(backend)!).reluGrad(offset(dy!), offset(y!), offset(dz), n);
          else {
            const heap = backend.wasm.HEAPU8.buffer;
            const [yv, dyv, dzv] = [y!, dy!, dz].map((t) => new Float32Array(heap, offset(t), n));
            for (let i = 0; i < n; i++) dzv[i] = yv![i]! > 0 ? dyv![i]! : 0;
          }
        }
        outputs.push(filterGrad(backend, heapProduct, x!, dz, filter!.shape, g));
        if (attrs.bias) outputs.push(columnSums(sgemm, backend, dz));
        if (attrs.inputGrad) outputs.push(inputGrad(backend, heapProduct, dz, filter!, x!.shape, g));
        ok = true;
        return outputs;
      } finally {
        // The masked gradient is scratch, freed once the products have read it; the outputs too
        // when something failed, since no tensor will ever own them.
        if (dz !== dy) backend.disposeData(dz.dataId);
        if (!ok) for (const t of outputs) backend.disposeData(t.dataId);
      }
    }) as never,
  });
}

function reluInPlace(backend: WasmBackend, t: TensorInfo, n: number): void {
  if (n >= 4) return simdLoops(wasmHeap(backend)!).relu(heapOffset(backend, t), n);
  const v = new Float32Array(backend.wasm.HEAPU8.buffer, heapOffset(backend, t), n);
  for (let i = 0; i < n; i++) if (v[i]! < 0) v[i] = 0;
}

/** Sums of the columns of t seen as [rows, last axis]: one product with a row of ones. */
function columnSums(sgemm: Sgemm, backend: WasmBackend, t: TensorInfo): TensorInfo {
  const columns = t.shape[t.shape.length - 1]!;
  const rows = size(t.shape) / columns;
  const from = heapOffset(backend, t);
  const out = backend.makeOutput([columns], 'float32');
  const heap = backend.wasm.HEAPU8.buffer;
  const result = new Float32Array(heap, heapOffset(backend, out), columns);
  if (rows === 0) result.fill(0);
  else {
    if (ones.length < rows) ones = new Float32Array(rows).fill(1);
    sgemm(false, false, 1, columns, rows, ones.subarray(0, rows), new Float32Array(heap, from, rows * columns), 0, result);
  }
  return out;
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

// The wasm-blas backend: TF.js's wasm backend with its matrix products on a native CBLAS, and the
// kernels plugins may use on it (a dense layer's forward and backward passes, and the heap kernels
// every wasm backend has).
import type * as tfjs from '@tensorflow/tfjs';
import type { Kernels } from '../index.js';
import { replaceKernel } from '../tf-kernels.js';
import { installHeapKernels } from '../wasm/index.js';
import { markCachesByMemory } from '../wasm/updates.js';
import type { TensorInfo, WasmBackend } from '../wasm/simd.js';
import type { Sgemm } from './open.js';
import { DENSE_BACKWARD, denseBackward, product } from './products.js';
import { registerConvKernels } from '../conv/kernels.js';
import { registerMaxPoolGrad } from '../conv/pool.js';
import { registerLeadingSums } from './sums.js';
import { convLayerKernels, registerConvLayerKernels } from './conv-layer.js';

export { openBlas, BLAS_LIBRARIES, type Sgemm } from './open.js';

type TF = typeof tfjs;
type Tensor = tfjs.Tensor;

interface KernelArgs {
  inputs: Record<string, TensorInfo | undefined>;
  backend: WasmBackend;
  attrs: Record<string, unknown>;
}

type KernelFunc = (args: KernelArgs) => TensorInfo | TensorInfo[];

interface Engine {
  findBackendFactory(name: string): (() => unknown) | null;
  getKernelsForBackend(name: string): { kernelName: string; setupFunc?: (backend: unknown) => void; kernelFunc: KernelFunc }[];
  registerKernel(config: { kernelName: string; backendName: string; setupFunc?: (backend: unknown) => void; kernelFunc: KernelFunc }): void;
}

/**
 * Registers TF.js backend `name`: the wasm backend's own kernels, except BatchMatMul and
 * _FusedMatMul, which run on `sgemm` (falling back to wasm's for what they do not cover), and
 * Identity, which shares its input's data instead of copying it; then DENSE_BACKWARD, the
 * convolutions on im2col and `sgemm` (TF.js's three, and a convolution layer's two passes with its
 * bias and ReLU), and the heap kernels. Returns the kernels plugins may use on it. Needs @tensorflow/tfjs-backend-wasm loaded.
 */
export function installWasmBlasBackend(tf: TF, name: string, sgemm: Sgemm): Kernels {
  if (!(tf as unknown as Engine).findBackendFactory(name)) registerBackend(tf, name, sgemm);
  return { ...installHeapKernels(tf, name, { inPlace: true }), ...denseKernels(tf), ...convLayerKernels(tf) };
}

/** tfjs-backend-wasm's kernels that cache an XNNPACK operator by a weight's tensor id (see markCachesByMemory). */
const CACHING_KERNELS = new Set(['Conv2D', 'FusedConv2D', 'DepthwiseConv2dNative', 'FusedDepthwiseConv2D', 'Prelu', 'Conv2DBackpropInput']);

/** The kernel, marking its backend as one where updates may not write in place before it runs. */
const marking = <F extends (args: never) => unknown>(kernelFunc: F): F =>
  ((args: { backend: object }) => {
    markCachesByMemory(args.backend);
    return kernelFunc(args as never);
  }) as unknown as F;

function registerBackend(tf: TF, name: string, sgemm: Sgemm): void {
  const engine = tf as unknown as Engine;
  const wasmFactory = engine.findBackendFactory('wasm');
  if (!wasmFactory) throw new Error("TF.js has no 'wasm' backend registered");
  const kernels = engine.getKernelsForBackend('wasm');
  const original = (kernelName: string) => {
    const kernel = kernels.find((k) => k.kernelName === kernelName);
    if (!kernel) throw new Error(`the wasm backend has no ${kernelName} kernel`);
    return kernel;
  };
  const batchMatMul = original('BatchMatMul');
  const fusedMatMul = original('_FusedMatMul');
  const identity = original('Identity');
  const sum = original('Sum');
  // Priority below wasm's: naming the backend selects it, TF.js never picks it by itself.
  tf.registerBackend(name, wasmFactory as never, 1);
  for (const kernel of kernels) {
    if (kernel === batchMatMul || kernel === fusedMatMul || kernel === identity || kernel === sum) continue;
    engine.registerKernel(CACHING_KERNELS.has(kernel.kernelName) ? { ...kernel, backendName: name, kernelFunc: marking(kernel.kernelFunc) } : { ...kernel, backendName: name });
  }
  // TF.js clones every tensor a gradient saves through Identity, which plain wasm copies; tensors
  // are immutable, so sharing the data with a reference count (as the cpu backend does) is enough.
  engine.registerKernel({
    kernelName: 'Identity',
    backendName: name,
    kernelFunc: (({ inputs, backend }: { inputs: { x: TensorInfo }; backend: WasmBackend & { incRef(dataId: object): void } }) => {
      const { x } = inputs;
      if (x.dtype === 'string') return identity.kernelFunc({ inputs, backend, attrs: {} } as never);
      backend.incRef(x.dataId);
      return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
    }) as never,
  });
  engine.registerKernel({
    kernelName: 'BatchMatMul',
    backendName: name,
    setupFunc: batchMatMul.setupFunc,
    kernelFunc: (args) => {
      const { a, b } = args.inputs;
      return product(sgemm, args.backend, a!, b!, !!args.attrs.transposeA, !!args.attrs.transposeB) ?? marking(batchMatMul.kernelFunc)(args);
    },
  });
  engine.registerKernel({
    kernelName: '_FusedMatMul',
    backendName: name,
    setupFunc: fusedMatMul.setupFunc,
    kernelFunc: (args) => {
      const { a, b, bias, preluActivationWeights } = args.inputs;
      const activation = args.attrs.activation as string;
      const covered = (activation === 'linear' || activation === 'relu') && !preluActivationWeights && (!bias || bias.shape.length <= 1);
      const out = covered && product(sgemm, args.backend, a!, b!, !!args.attrs.transposeA, !!args.attrs.transposeB, { bias, relu: activation === 'relu' });
      return out || marking(fusedMatMul.kernelFunc)(args);
    },
  });
  replaceKernel(tf, {
    kernelName: DENSE_BACKWARD,
    backendName: name,
    kernelFunc: (({ inputs, backend, attrs }: KernelArgs) => denseBackward(sgemm, backend, inputs, attrs)) as never,
  });
  // Convolutions as im2col and sgemm (wasm has no Conv2DBackpropFilter; its others run on XNNPACK or loops).
  registerConvKernels(tf, name, (backend, a, b, ta, tb) => product(sgemm, backend, a, b, ta, tb)!);
  registerConvLayerKernels(tf, name, sgemm);
  registerMaxPoolGrad(tf, name);
  registerLeadingSums(tf, name, sgemm, sum);
}

/** The dense layer's kernels on a backend that registered DENSE_BACKWARD and a _FusedMatMul taking 2-D operands. */
function denseKernels(tf: TF): Pick<Kernels, 'denseForward' | 'denseBackward'> {
  return {
    // The product kernel itself, without the reshapes tf.fused.matMul wraps around it.
    denseForward: (x, w, b, relu) =>
      tf.engine().runKernel('_FusedMatMul', { a: x, b: w, ...(b ? { bias: b } : {}) }, { transposeA: false, transposeB: false, activation: relu ? 'relu' : 'linear' }) as Tensor,
    denseBackward({ dy, x, y, w, relu, bias, inputGrad }) {
      const [dw, ...rest] = tf.engine().runKernel(DENSE_BACKWARD, { dy, x, y, w }, { relu, bias, inputGrad }) as unknown as Tensor[];
      const db = bias ? rest.shift()! : null;
      const dx = inputGrad ? rest.shift()! : null;
      return { dw: dw!, db, dx };
    },
  };
}

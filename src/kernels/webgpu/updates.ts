// One-dispatch SGD (with momentum) and Adam/AdamW updates for TF.js's WebGPU backend. The tensor
// ops run 4 (SGD with momentum) to 13 (Adam) dispatches per parameter, each a pass over memory;
// these run one WGSL shader that reads the parameter, its gradient and its buffers once and writes
// the new ones. TF.js's programs have one output each, so the shader is recorded into TF.js's own
// compute pass (the same command stream, in order with its dispatches) with a bind group of ours.
import type * as tfjs from '@tensorflow/tfjs';
import { replaceKernel } from '../tf-kernels.js';
import type { Kernels, Slot } from '../index.js';
import { dispatch, f32, u32, WORKGROUP, type TensorInfo, type WebgpuBackend } from './dispatch.js';

type TF = typeof tfjs;
type Tensor = tfjs.Tensor;

const SGD_KERNEL = 'TrainyardFusedSgd';
const ADAM_KERNEL = 'TrainyardFusedAdam';

/** The uniforms every shader reads: u32 flags and f32 scalars, 16 words. */
const UNIFORMS = `struct U {
  size: u32, first: u32, maximize: u32, useWd: u32,
  wd: f32, a: f32, b: f32, c: f32,
  d: f32, e: f32, f: f32, g: f32,
  useDecay: u32, decay: f32, rowLength: u32, pad: u32,
};`;

const INDEX = `let i = gid.y * u.rowLength + gid.x;
  if (i >= u.size) { return; }
  var grad = gradIn[i];
  if (u.maximize == 1u) { grad = -grad; }
  if (u.useWd == 1u) { grad = grad + paramIn[i] * u.wd; }`;

/** torch.optim.SGD with momentum (a = momentum, b = 1 - dampening, c = -lr, d = nesterov as 0/1); the ops' order (optimizers/sgd.ts). */
const SGD_SHADER = `${UNIFORMS}
@group(0) @binding(0) var<storage, read> paramIn: array<f32>;
@group(0) @binding(1) var<storage, read> gradIn: array<f32>;
@group(0) @binding(2) var<storage, read> bufIn: array<f32>;
@group(0) @binding(3) var<storage, read_write> paramOut: array<f32>;
@group(0) @binding(4) var<storage, read_write> bufOut: array<f32>;
@group(0) @binding(5) var<uniform> u: U;
@compute @workgroup_size(${WORKGROUP})
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  ${INDEX}
  var buf = grad;
  if (u.first == 0u) { buf = bufIn[i] * u.a + grad * u.b; }
  bufOut[i] = buf;
  var d = buf;
  if (u.d != 0.0) { d = grad + buf * u.a; }
  paramOut[i] = paramIn[i] + d * u.c;
}`;

/** torch.optim.Adam / AdamW (a = β1, b = 1-β1, c = β2, d = 1-β2, e = -lr/(1-β1^t), f = sqrt(1-β2^t), g = eps); optimizers/adam.ts's order. */
const ADAM_SHADER = `${UNIFORMS}
@group(0) @binding(0) var<storage, read> paramIn: array<f32>;
@group(0) @binding(1) var<storage, read> gradIn: array<f32>;
@group(0) @binding(2) var<storage, read> mIn: array<f32>;
@group(0) @binding(3) var<storage, read> vIn: array<f32>;
@group(0) @binding(4) var<storage, read_write> paramOut: array<f32>;
@group(0) @binding(5) var<storage, read_write> mOut: array<f32>;
@group(0) @binding(6) var<storage, read_write> vOut: array<f32>;
@group(0) @binding(7) var<uniform> u: U;
@compute @workgroup_size(${WORKGROUP})
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  ${INDEX}
  var m = grad * u.b;
  var v = (grad * u.d) * grad;
  if (u.first == 0u) {
    m = mIn[i] * u.a + m;
    v = vIn[i] * u.c + v;
  }
  mOut[i] = m;
  vOut[i] = v;
  var p = paramIn[i];
  if (u.useDecay == 1u) { p = p * u.decay; }
  paramOut[i] = p + (m * u.e) / (sqrt(v) / u.f + u.g);
}`;


/** Registers the update kernels with TF.js for its 'webgpu' backend. */
export function registerWebgpuUpdateKernels(tf: TF): void {
  const register = (kernelName: string, run: (backend: WebgpuBackend, inputs: Record<string, TensorInfo>, attrs: Record<string, number>) => TensorInfo[]) =>
    replaceKernel(tf, {
      kernelName,
      backendName: 'webgpu',
      kernelFunc: (({ inputs, backend, attrs }: { inputs: Record<string, TensorInfo>; backend: WebgpuBackend; attrs: Record<string, number> }) => run(backend, inputs, attrs)) as never,
    });
  const common = (view: DataView, first: boolean, a: Record<string, number>) => {
    u32(view, 1, first ? 1 : 0);
    u32(view, 2, a.maximize!);
    u32(view, 3, a.weightDecay ? 1 : 0);
    f32(view, 4, a.weightDecay!);
  };

  register(SGD_KERNEL, (backend, { param, grad, buf }, a) => {
    const [value, nextBuf] = [0, 1].map(() => backend.makeTensorInfo(param!.shape, 'float32')) as [TensorInfo, TensorInfo];
    dispatch(tf, backend, SGD_SHADER, [param!, grad!, buf ?? grad!], [value, nextBuf], (view) => {
      common(view, !buf, a);
      f32(view, 5, a.momentum!);
      f32(view, 6, 1 - a.dampening!);
      f32(view, 7, -a.lr!);
      f32(view, 8, a.nesterov!);
    }, a.size!);
    return [value, nextBuf];
  });

  register(ADAM_KERNEL, (backend, { param, grad, expAvg, expAvgSq }, a) => {
    const [value, m, v] = [0, 1, 2].map(() => backend.makeTensorInfo(param!.shape, 'float32')) as [TensorInfo, TensorInfo, TensorInfo];
    dispatch(tf, backend, ADAM_SHADER, [param!, grad!, expAvg ?? grad!, expAvgSq ?? grad!], [value, m, v], (view) => {
      common(view, !expAvg, a);
      [a.beta1!, 1 - a.beta1!, a.beta2!, 1 - a.beta2!, a.negStepSize!, a.bc2Sqrt!, a.eps!].forEach((x, i) => f32(view, 5 + i, x));
      u32(view, 12, a.useDecay!);
      f32(view, 13, a.decay!);
    }, a.size!);
    return [value, m, v];
  });
}

/** The fusedUpdate kernel of the Kernels interface on webgpu: SGD with momentum, Adam and AdamW; null for the rest. */
export function fusedUpdate(tf: TF): NonNullable<Kernels['fusedUpdate']> {
  const run = (kernel: string, inputs: Record<string, Tensor>, attrs: Record<string, number>) =>
    tf.engine().runKernel(kernel, inputs as never, attrs as never) as unknown as Tensor[];
  const bit = (b: boolean) => (b ? 1 : 0);
  return (step, param, grad, prev): { value: Tensor; slot: Slot } | null => {
    if (tf.getBackend() !== 'webgpu' || param.dtype !== 'float32' || param.size === 0) return null;
    if (grad.dtype !== 'float32' || grad.size !== param.size) {
      throw new Error(`fused update: param ${param.name} [${param.shape}] and its gradient [${grad.shape}] ${grad.dtype} do not match`);
    }
    if (step.rule === 'sgd' && step.momentum > 0) {
      const buf = prev?.momentumBuffer;
      const [value, momentumBuffer] = run(SGD_KERNEL, buf ? { param, grad, buf } : { param, grad }, {
        size: param.size, lr: step.lr, maximize: bit(step.maximize), weightDecay: step.weightDecay,
        momentum: step.momentum, dampening: step.dampening, nesterov: bit(step.nesterov),
      });
      return { value: value!, slot: { momentumBuffer: momentumBuffer! } };
    }
    if (step.rule === 'adam') {
      const inputs: Record<string, Tensor> = prev ? { param, grad, expAvg: prev.expAvg!, expAvgSq: prev.expAvgSq! } : { param, grad };
      const [value, expAvg, expAvgSq] = run(ADAM_KERNEL, inputs, {
        size: param.size, maximize: bit(step.maximize), weightDecay: step.weightDecay,
        beta1: step.betas[0], beta2: step.betas[1], eps: step.eps, negStepSize: step.negStepSize, bc2Sqrt: step.bc2Sqrt,
        useDecay: bit(step.decay !== undefined), decay: step.decay ?? 1,
      });
      return { value: value!, slot: { expAvg: expAvg!, expAvgSq: expAvgSq! } };
    }
    return null;
  };
}

// Our own WGSL shaders recorded into TF.js's WebGPU compute pass (the same command stream, in order
// with its dispatches), for kernels with more than one output, which TF.js's programs cannot have.
// Every shader here runs one invocation per value (or row), 64 to a workgroup, and reads a 64-byte
// uniform block whose word 0 is the count and word 14 the invocations per row of workgroups.
import type * as tfjs from '@tensorflow/tfjs';

type TF = typeof tfjs;

export const WORKGROUP = 64;
const MAX_GROUPS = 65535;
// GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST
const UNIFORM_USAGE = 0x40 | 0x08;

export interface TensorInfo {
  dataId: object;
  shape: number[];
  dtype: string;
}

export interface GpuBuffer {
  size: number;
}

/** What these kernels use of TF.js's WebGPUBackend (tfjs-backend-webgpu 4.22, backend_webgpu.ts). */
export interface WebgpuBackend {
  device: {
    createShaderModule(d: { code: string }): unknown;
    createComputePipeline(d: object): { getBindGroupLayout(i: number): unknown };
    createBindGroup(d: object): unknown;
  };
  queue: { writeBuffer(buffer: GpuBuffer, offset: number, data: ArrayBuffer): void };
  bufferManager: { acquireBuffer(size: number, usage: number): GpuBuffer };
  uniformPendingDisposal: GpuBuffer[];
  commandQueueOwnedIds: { add(id: object): void };
  commandEncoder: { beginComputePass(d: object): ComputePass } | null;
  computePassEncoder: ComputePass | null;
  dispatchCountInPass: number;
  makeTensorInfo(shape: number[], dtype: string): TensorInfo;
  uploadToGPU(dataId: object): void;
  tensorToBinding(t: TensorInfo): object;
  ensureCommandEncoderReady(): void;
  endComputePassEncoder(): void;
  submitQueue(): void;
}

export interface ComputePass {
  setPipeline(p: unknown): void;
  setBindGroup(i: number, g: unknown): void;
  dispatchWorkgroups(x: number, y?: number, z?: number): void;
}

const pipelines = new WeakMap<object, Map<string, ReturnType<WebgpuBackend['device']['createComputePipeline']>>>();

function pipeline(backend: WebgpuBackend, code: string) {
  let byCode = pipelines.get(backend.device);
  if (!byCode) pipelines.set(backend.device, (byCode = new Map()));
  let p = byCode.get(code);
  if (!p) {
    p = backend.device.createComputePipeline({ layout: 'auto', compute: { module: backend.device.createShaderModule({ code }), entryPoint: 'main' } });
    byCode.set(code, p);
  }
  return p;
}

/** Records one dispatch of `code` over `size` values into TF.js's current compute pass. */
export function dispatch(tf: TF, backend: WebgpuBackend, code: string, inputs: TensorInfo[], outputs: TensorInfo[], words: (view: DataView) => void, size: number): void {
  for (const t of [...inputs, ...outputs]) backend.uploadToGPU(t.dataId);
  const groups = Math.ceil(size / WORKGROUP);
  const [x, y] = groups <= MAX_GROUPS ? [groups, 1] : [MAX_GROUPS, Math.ceil(groups / MAX_GROUPS)];
  const data = new ArrayBuffer(64);
  const view = new DataView(data);
  words(view);
  view.setUint32(0, size, true);
  view.setUint32(56, x * WORKGROUP, true);
  const uniform = backend.bufferManager.acquireBuffer(64, UNIFORM_USAGE);
  backend.queue.writeBuffer(uniform, 0, data);
  // Released to TF.js's pool once the commands are submitted, as its own uniforms are.
  backend.uniformPendingDisposal.push(uniform);
  const p = pipeline(backend, code);
  const entries = [...inputs, ...outputs].map((t, i) => ({ binding: i, resource: backend.tensorToBinding(t) }));
  entries.push({ binding: entries.length, resource: { buffer: uniform } });
  for (const t of [...inputs, ...outputs]) backend.commandQueueOwnedIds.add(t.dataId);
  const bindGroup = backend.device.createBindGroup({ layout: p.getBindGroupLayout(0), entries });
  backend.ensureCommandEncoderReady();
  backend.computePassEncoder ??= backend.commandEncoder!.beginComputePass({});
  backend.computePassEncoder.setPipeline(p);
  backend.computePassEncoder.setBindGroup(0, bindGroup);
  backend.computePassEncoder.dispatchWorkgroups(x, y);
  backend.dispatchCountInPass++;
  if ((tf.env().get('WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE') as number) <= backend.dispatchCountInPass) {
    backend.endComputePassEncoder();
    backend.submitQueue();
  }
}


export const f32 = (view: DataView, word: number, value: number) => view.setFloat32(word * 4, value, true);
export const u32 = (view: DataView, word: number, value: number) => view.setUint32(word * 4, value, true);

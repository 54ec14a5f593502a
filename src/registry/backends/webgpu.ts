import { defineBackend, type TF } from '../kinds.js';
import { activate, importTfjs, reason } from './load.js';
import { gpuMemory } from './memory.js';
import { adapterLabel, INSTALL_HINT, openDawn, probeDawnApart, type Dawn } from './dawn.js';
import type { AdapterFacts } from '../../run-log/types.js';
import { registerKernels } from '../../kernels/index.js';
import { installWebgpuKernels } from '../../kernels/webgpu/index.js';

/** TF.js's WebGPU backend on `dawn`'s adapter, registered with tf once (its factory makes the device). */
async function registerWebgpu(tf: TF, dawn: Dawn): Promise<void> {
  // Its constructor checks navigator.gpu; Node 21+ has a navigator of its own, Node 20 none.
  const nav = ((globalThis as { navigator?: object }).navigator ??= {}) as { gpu?: unknown };
  if (!nav.gpu) Object.defineProperty(nav, 'gpu', { value: dawn.gpu, configurable: true });
  for (const [name, value] of Object.entries(dawn.globals)) if (!(name in globalThis)) (globalThis as Record<string, unknown>)[name] = value;
  const mod = (await import('@tensorflow/tfjs-backend-webgpu')) as unknown as { WebGPUBackend?: new (device: never, info: never) => object; default?: { WebGPUBackend: new (device: never, info: never) => object } };
  const WebGPUBackend = (mod.WebGPUBackend ?? mod.default!.WebGPUBackend);
  if (tf.findBackendFactory('webgpu') && registered.has(tf.engine())) return;
  // The package registered a factory of its own as it loaded (it asks navigator.gpu for another adapter).
  if (tf.findBackendFactory('webgpu')) tf.removeBackend('webgpu');
  tf.registerBackend('webgpu', async () => {
    const adapter = await dawn.takeAdapter();
    // The limits and features TF.js's own factory asks for (tfjs-backend-webgpu/src/base.ts).
    const limits = adapter.limits;
    const device = await adapter.requestDevice({
      requiredFeatures: ['timestamp-query'].filter((f) => adapter.features.has(f)),
      requiredLimits: Object.fromEntries(
        ['maxComputeWorkgroupStorageSize', 'maxComputeWorkgroupsPerDimension', 'maxStorageBufferBindingSize', 'maxBufferSize', 'maxComputeWorkgroupSizeX', 'maxComputeInvocationsPerWorkgroup'].map((k) => [k, limits[k]]),
      ),
    });
    return new WebGPUBackend(device as never, adapter.info as never) as never;
  });
  registered.add(tf.engine());
}

const registered = new WeakSet<object>();

export default defineBackend<Record<string, never>>({
  type: 'webgpu',
  summary: 'TF.js\'s WebGPU backend on Dawn (npm package webgpu) over Vulkan; auto takes it on a hardware GPU only',
  params: { type: 'object', properties: {}, additionalProperties: false },
  // Right after tensorflow-gpu: a GPU, where CUDA 11.2 is not there.
  priority: 45,
  memory: gpuMemory,
  device: 'gpu',
  // Measured on lavapipe (2026-12-01, see the README's GPU section): one device per worker thread
  // against trials sharing one device; one trial at a time per device was chosen.
  parallelTrials: () => 1,
  async load(ctx) {
    const refuse = (facts: AdapterFacts) =>
      new Error(`only a software adapter (${adapterLabel(facts)}: ${facts.driver}); auto takes webgpu on a hardware GPU only (--backend webgpu runs on this one)`);
    // auto asks in a child process first: where it will not take webgpu, Dawn never loads here.
    const apart = ctx.auto ? await probeDawnApart() : undefined;
    if (apart?.error !== undefined) throw new Error(apart.error);
    if (apart?.facts?.fallback) throw refuse(apart.facts);
    const dawn = await openDawn();
    if (ctx.auto && dawn.facts.fallback) throw refuse(dawn.facts);
    let tf: TF;
    try {
      tf = await importTfjs();
      await registerWebgpu(tf, dawn);
      registerKernels(tf, 'webgpu', () => installWebgpuKernels(tf));
      await activate(tf, 'webgpu');
    } catch (error) {
      throw new Error(`${reason(error)}. ${INSTALL_HINT}`);
    }
    return { tf, name: 'webgpu', tried: [], adapter: dawn.facts };
  },
});

// Dawn for Node (the npm package `webgpu`, an optional dependency: dawn.node is a native binary
// for five platforms) opened once per thread: the Vulkan adapter it finds, described as
// metrics.json records it, and the WebGPU globals TF.js's WebGPU backend needs.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AdapterFacts } from '../../run-log/types.js';
import { captureNativeStderr } from '../../util/native-stderr.js';

/** What trainyard uses of a WebGPU adapter (the DOM's GPUAdapter, typed loosely: no DOM lib here). */
export interface GpuAdapter {
  info: { vendor: string; architecture: string; device: string; description: string; isFallbackAdapter?: boolean };
  isFallbackAdapter?: boolean;
  features: { has(name: string): boolean };
  limits: Record<string, number>;
  requestDevice(descriptor?: object): Promise<GpuDevice>;
}

export interface GpuDevice {
  features: { has(name: string): boolean };
  destroy(): void;
}

interface Gpu {
  requestAdapter(options?: object): Promise<GpuAdapter | null>;
}

export interface Dawn {
  gpu: Gpu;
  globals: Record<string, unknown>;
  /** The adapter found first; requestDevice consumes it, so takeAdapter() hands it out once. */
  facts: AdapterFacts;
  takeAdapter(): Promise<GpuAdapter>;
}

/** Dawn's stderr lines that say nothing a user can act on: its limits warnings, and its own source locations. */
const DAWN_NOISE = [/artificially reduced from/, /XDG_RUNTIME_DIR/, /^\s+at \S+ \(.*\.(cpp|cc|h):\d+\)$/];
const isNoise = (line: string) => DAWN_NOISE.some((n) => n.test(line));

/**
 * Runs a call into Dawn with its native stderr captured. When it finds an adapter, what is not
 * noise goes on to stderr; when it finds none, the Vulkan loader's lines say why, in the reason.
 */
async function quietly<T>(run: () => Promise<T>, found: (value: T) => boolean): Promise<{ value?: T; error?: unknown; why: string[] }> {
  const { value, error, lines } = await captureNativeStderr(run);
  const kept = lines.filter((l) => !isNoise(l));
  if ((error !== undefined || !found(value as T)) && kept.length > 0) return { value, error, why: kept.map((l) => l.replace(/^Warning: /, '')) };
  if (kept.length > 0) process.stderr.write(`${kept.join('\n')}\n`);
  return { value, error, why: [] };
}

const noAdapter = (why: string[]) => `Dawn found no Vulkan adapter${why.length ? ` (${why.slice(0, 3).join('; ')})` : ''}. ${INSTALL_HINT}`;

export const INSTALL_HINT =
  'It needs the npm package webgpu (an optional dependency: npm install webgpu) and a Vulkan driver: the GPU vendor\'s (NVIDIA, AMD, Intel) or Mesa\'s; for a CPU, Mesa 25\'s lavapipe (Debian 12: apt-get install -t bookworm-backports mesa-vulkan-drivers)';

/** Dawn's Vulkan loader wants a runtime directory; an unset or missing one gets a private temp dir. */
function ensureRuntimeDir(): void {
  const dir = process.env.XDG_RUNTIME_DIR;
  try {
    if (dir && statSync(dir).isDirectory()) return;
  } catch {
    // Missing: replaced below.
  }
  const made = mkdtempSync(join(tmpdir(), 'trainyard-xdg-'));
  process.env.XDG_RUNTIME_DIR = made;
  process.once('exit', () => rmSync(made, { recursive: true, force: true }));
}

export const describeAdapter = (adapter: GpuAdapter): AdapterFacts => ({
  vendor: adapter.info.vendor || 'unknown',
  architecture: adapter.info.architecture || 'unknown',
  device: adapter.info.device || 'unknown',
  driver: adapter.info.description || 'unknown',
  fallback: Boolean(adapter.info.isFallbackAdapter ?? adapter.isFallbackAdapter),
});

/** 'mesa software, fallback' */
export const adapterLabel = (a: AdapterFacts): string => `${a.vendor} ${a.architecture}, ${a.fallback ? 'fallback' : 'hardware'}`;

let opened: Promise<Dawn> | undefined;

async function open(): Promise<Dawn> {
  ensureRuntimeDir();
  let mod: { create(options: string[]): Gpu; globals: Record<string, unknown> };
  try {
    mod = (await import('webgpu')) as unknown as typeof mod;
  } catch (error) {
    const message = (error as Error).message.split('\n')[0]!;
    const missing = /Cannot find (package|module) 'webgpu'|ERR_MODULE_NOT_FOUND/.test(message) && !/dawn\.node/.test(message);
    throw new Error(`${missing ? 'the npm package webgpu is not installed' : `Dawn (dawn.node) cannot load here: ${message}`}. ${INSTALL_HINT}`);
  }
  const started = await quietly(async () => {
    const created = mod.create(['backend=vulkan']);
    return { gpu: created, adapter: await created.requestAdapter({ powerPreference: 'high-performance' }) };
  }, (v) => v.adapter !== null);
  if (started.error !== undefined) throw new Error(`Dawn cannot start: ${(started.error as Error).message?.split('\n')[0] ?? started.error}. ${INSTALL_HINT}`);
  const { gpu } = started.value!;
  let first: GpuAdapter | null = started.value!.adapter;
  if (!first) throw new Error(noAdapter(started.why));
  const request = async () => (await quietly(() => gpu.requestAdapter({ powerPreference: 'high-performance' }), (a) => a !== null)).value ?? null;
  const facts = describeAdapter(first);
  return {
    gpu,
    globals: mod.globals,
    facts,
    async takeAdapter() {
      const adapter = first ?? (await request());
      first = null;
      if (!adapter) throw new Error(`Dawn found no Vulkan adapter the second time it asked. ${INSTALL_HINT}`);
      return adapter;
    },
  };
}

/** How long the child may take to find an adapter before it counts as a driver that hangs. */
const PROBE_TIMEOUT_MS = 60_000;

/**
 * What Dawn says of its adapter when asked in a child process (dawn-probe.js), so that a process
 * that will not use it never loads it; a child that crashes (a driver's segfault), hangs or says
 * nothing is an error, not a reason to load Dawn here. Undefined where that script is not beside
 * this module (a bundle, sources run through tsx) or node cannot start: the caller asks in-process then.
 */
export async function probeDawnApart(): Promise<{ facts?: AdapterFacts; error?: string } | undefined> {
  const script = fileURLToPath(new URL('./dawn-probe.js', import.meta.url));
  if (!existsSync(script)) return undefined;
  return new Promise((done) => {
    const child = spawn(process.execPath, [script], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), PROBE_TIMEOUT_MS);
    child.stdout.on('data', (chunk) => (out += chunk));
    child.on('error', () => {
      clearTimeout(timer);
      done(undefined);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      try {
        done(JSON.parse(out.trim().split('\n').at(-1)!) as { facts?: AdapterFacts; error?: string });
      } catch {
        const how = signal === 'SIGKILL' ? `gave no answer in ${PROBE_TIMEOUT_MS / 1000} s` : signal ? `crashed (${signal})` : `ended (exit ${code}) without an answer`;
        done({ error: `Dawn, asked for its adapter in a child process, ${how}. ${INSTALL_HINT}` });
      }
    });
  });
}

/** Opens Dawn once per thread; a failure is not cached (a later call tries again). */
export function openDawn(): Promise<Dawn> {
  opened ??= open().catch((error) => {
    opened = undefined;
    throw error;
  });
  return opened;
}

let dispatched = 0;
let counting = false;

/**
 * Counts compute dispatches from now on (every GPUComputePassEncoder.dispatchWorkgroups of this
 * thread); returns a reader of the count. For tests and benchmarks: on a software adapter the count
 * of dispatches a step takes is the figure that carries over to a GPU, its time is not.
 */
export async function countDispatches(): Promise<() => number> {
  const { globals } = await openDawn();
  if (!counting) {
    const proto = (globals.GPUComputePassEncoder as { prototype: { dispatchWorkgroups(...args: unknown[]): void } }).prototype;
    const original = proto.dispatchWorkgroups;
    proto.dispatchWorkgroups = function (this: unknown, ...args: unknown[]) {
      dispatched++;
      return original.apply(this, args);
    };
    counting = true;
  }
  return () => dispatched;
}

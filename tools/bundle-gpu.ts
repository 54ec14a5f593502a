// npm run bundle:gpu [-- --out DIR]: a self-contained directory (default gpu-bundle/) that checks
// trainyard on a GPU machine with no network: the CLI bundled by esbuild (and its worker thread),
// Dawn's dawn.node and koffi for linux-x64, TF.js's wasm binaries, the lecture's 10,000 digits as
// gzipped IDX files, the Vulkan loader libvulkan.so.1, and run.sh, which trains the lecture on
// webgpu and on a CPU backend (wasm-blas where OpenBLAS is installed, else wasm) and prints the
// milliseconds per step of each. Kept under 64 MiB (what a device command can carry).
import { build } from 'esbuild';
import { chmodSync, cpSync, existsSync, mkdirSync, readdirSync, realpathSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';
import mnistBundled from '../src/registry/datasets/mnist-bundled.js';
import { trainyardVersion } from '../src/util/environment.js';
import { RUN_SH, MS_PER_STEP, LECTURE_YAML } from './gpu-bundle-files.js';

const ROOT = resolve(import.meta.dirname, '..', '..');
const LIMIT = 64 * 1024 * 1024;
const { values } = parseArgs({ options: { out: { type: 'string', default: join(ROOT, 'gpu-bundle') } } });
const out = resolve(values.out!);
/** A package's directory in node_modules (realpath: node_modules may be a link). */
const packageDir = (name: string) => realpathSync(join(ROOT, 'node_modules', name));

/** Modules a run with --no-report never loads, or that cannot install here: left out of the bundle. */
const LEFT_OUT = ['vega', 'vega-lite', 'vega-embed', 'playwright-core', 'bullmq', 'ioredis', 'tsx', 'tsx/esm/api', '@tensorflow/tfjs-node', '@tensorflow/tfjs-node-gpu'];
/** Native modules: copied whole (their linux-x64 binaries only) into node_modules/. */
const NATIVE = ['webgpu', 'koffi'];

/** An IDX file: magic (type 0x08, rank), big-endian dimensions, then the bytes. */
function idx(dims: number[], bytes: Uint8Array): Buffer {
  const header = Buffer.alloc(4 + 4 * dims.length);
  header.writeUInt32BE(0x0800 + dims.length, 0);
  dims.forEach((d, i) => header.writeUInt32BE(d, 4 + 4 * i));
  return gzipSync(Buffer.concat([header, bytes]));
}

async function writeDigits(dir: string): Promise<void> {
  mkdirSync(dir, { recursive: true });
  const data = await mnistBundled.load({ trainSize: 8000, testSize: 2000, splitSeed: 0 }, { baseDir: ROOT } as never);
  for (const [split, prefix] of [[data.train, 'train'], [data.test, 't10k']] as const) {
    const pixels = Uint8Array.from(split.x, (v) => Math.round(v * 255));
    writeFileSync(join(dir, `${prefix}-images-idx3-ubyte.gz`), idx([split.count, 28, 28], pixels));
    writeFileSync(join(dir, `${prefix}-labels-idx1-ubyte.gz`), idx([split.count], Uint8Array.from(split.y)));
  }
}

function copyNative(): void {
  const modules = join(out, 'node_modules');
  const webgpu = packageDir('webgpu');
  mkdirSync(join(modules, 'webgpu', 'dist'), { recursive: true });
  for (const f of ['index.js', 'package.json', 'LICENSE.md']) cpSync(join(webgpu, f), join(modules, 'webgpu', f));
  cpSync(join(webgpu, 'dist', 'linux-x64'), join(modules, 'webgpu', 'dist', 'linux-x64'), { recursive: true });
  const koffi = packageDir('koffi');
  cpSync(koffi, join(modules, 'koffi'), { recursive: true, filter: (p) => !/\/(doc|vendor|lib)(\/|$)|\.(cc|hh|h)$/.test(p) });
  const triplet = join(dirname(koffi), '@koromix', 'koffi-linux-x64');
  cpSync(triplet, join(modules, '@koromix', 'koffi-linux-x64'), { recursive: true });
}

/** The Vulkan loader of this machine, for a device machine that has the NVIDIA driver but no loader. */
function copyVulkanLoader(): string | undefined {
  for (const dir of ['/lib/x86_64-linux-gnu', '/usr/lib/x86_64-linux-gnu', '/usr/lib64', '/usr/lib']) {
    const path = join(dir, 'libvulkan.so.1');
    if (!existsSync(path)) continue;
    mkdirSync(join(out, 'lib'), { recursive: true });
    cpSync(realpathSync(path), join(out, 'lib', 'libvulkan.so.1'));
    return path;
  }
  return undefined;
}

const sizeOf = (path: string): number => (statSync(path).isDirectory() ? readdirSync(path).reduce((s, n) => s + sizeOf(join(path, n)), 0) : statSync(path).size);

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
await build({
  entryPoints: { app: join(ROOT, 'dist/src/cli.js'), worker: join(ROOT, 'dist/src/runner/worker.js') },
  outdir: out,
  bundle: true,
  // Modules the CLI imports on demand (the report's vega) stay chunks of their own, loaded only then.
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
  platform: 'node',
  format: 'esm',
  target: 'node20',
  minify: true,
  logLevel: 'warning',
  external: [...LEFT_OUT, ...NATIVE],
  define: { 'process.env.TRAINYARD_BUNDLE_VERSION': JSON.stringify(`${trainyardVersion()}-gpu-bundle`) },
  // TF.js's CommonJS modules use require, __dirname (the wasm backend finds its .wasm files there).
  banner: {
    js: "import { createRequire as __cr } from 'node:module'; import { fileURLToPath as __fu } from 'node:url'; import { dirname as __dn } from 'node:path'; const require = __cr(import.meta.url); const __filename = __fu(import.meta.url); const __dirname = __dn(__filename);",
  },
});
writeFileSync(join(out, 'package.json'), `${JSON.stringify({ name: 'trainyard-gpu-bundle', private: true, type: 'module' }, null, 2)}\n`);
const wasmDir = join(packageDir('@tensorflow/tfjs-backend-wasm'), 'dist');
// Beside the chunk that holds TF.js's wasm backend: emscripten looks in its script's directory.
for (const f of readdirSync(wasmDir).filter((n) => n.endsWith('.wasm'))) cpSync(join(wasmDir, f), join(out, 'chunks', f));
copyNative();
const loader = copyVulkanLoader();
await writeDigits(join(out, 'data'));
writeFileSync(join(out, 'lecture.yaml'), LECTURE_YAML);
writeFileSync(join(out, 'ms-per-step.mjs'), MS_PER_STEP);
writeFileSync(join(out, 'run.sh'), RUN_SH);
chmodSync(join(out, 'run.sh'), 0o755);
const size = sizeOf(out);
console.log(`wrote ${out}: ${(size / 1024 / 1024).toFixed(1)} MiB${loader ? ` (Vulkan loader from ${loader})` : ' (no libvulkan.so.1 here to include)'}`);
if (size > LIMIT) {
  console.error(`the bundle is ${(size / 1024 / 1024).toFixed(1)} MiB, over the 64 MiB a device command can carry`);
  process.exit(1);
}

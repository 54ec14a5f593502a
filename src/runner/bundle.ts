// A tensor bundle: NAME.json (format, meta, and where each tensor lies in NAME.bin) + NAME.bin
// (little-endian float32, tensors back to back). Used for checkpoints and final weights.
import { mkdir, open, readdir, readFile, rename, rm } from 'node:fs/promises';
import { syncDirectory } from '../util/atomic.js';
import { basename, dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';

export const BUNDLE_FORMAT = 'trainyard-tensors-1';

export interface NamedTensor {
  name: string;
  shape: number[];
  data: Float32Array;
}

export interface BundleIndex<M> {
  format: typeof BUNDLE_FORMAT;
  meta: M;
  tensors: { name: string; shape: number[]; offset: number; length: number }[];
}

async function writeSynced(path: string, content: string | Uint8Array): Promise<void> {
  const handle = await open(path, 'wx');
  try {
    await handle.writeFile(content);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Writes the bundle into `dir` all or nothing: both files go into a temp directory beside it,
 * are fsynced, and the directory is renamed into place (replacing nothing: `dir` must be new).
 * `beforeRename` runs between the two (a test's fault injection).
 */
export async function writeBundle<M>(dir: string, name: string, meta: M, tensors: NamedTensor[], beforeRename?: () => void): Promise<void> {
  const temp = join(dirname(dir), `.${basename(dir)}.${randomBytes(4).toString('hex')}.tmp`);
  await mkdir(temp, { recursive: true });
  try {
    let offset = 0;
    const index: BundleIndex<M> = { format: BUNDLE_FORMAT, meta, tensors: [] };
    for (const t of tensors) {
      index.tensors.push({ name: t.name, shape: t.shape, offset, length: t.data.length });
      offset += t.data.length;
    }
    const bin = new Float32Array(offset);
    tensors.forEach((t, i) => bin.set(t.data, index.tensors[i].offset));
    await writeSynced(join(temp, `${name}.bin`), new Uint8Array(bin.buffer));
    await writeSynced(join(temp, `${name}.json`), `${JSON.stringify(index)}\n`);
    beforeRename?.();
    await rename(temp, dir);
    await syncDirectory(dirname(dir));
  } catch (error) {
    await rm(temp, { recursive: true, force: true });
    throw error;
  }
}

/** Reads a bundle; a damaged one is an Error that names the file and what is wrong. */
export async function readBundle<M>(dir: string, name: string): Promise<{ meta: M; tensors: Map<string, NamedTensor> }> {
  const indexFile = join(dir, `${name}.json`);
  const binFile = join(dir, `${name}.bin`);
  let index: BundleIndex<M>;
  try {
    index = JSON.parse(await readFile(indexFile, 'utf8')) as BundleIndex<M>;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code) throw error;
    throw new Error(`${indexFile}: not valid JSON (${(error as Error).message})`);
  }
  if (index?.format !== BUNDLE_FORMAT || !Array.isArray(index.tensors)) throw new Error(`${indexFile}: not a ${BUNDLE_FORMAT} file`);
  const bytes = await readFile(binFile);
  if (bytes.byteLength % 4 !== 0) throw new Error(`${binFile}: ${bytes.byteLength} bytes is not a whole number of float32 values`);
  const all = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  const tensors = new Map<string, NamedTensor>();
  for (const t of index.tensors) {
    const values = Array.isArray(t?.shape) ? t.shape.reduce((a, b) => a * b, 1) : NaN;
    if (!Number.isInteger(t?.offset) || values !== t.length) throw new Error(`${indexFile}: tensor ${JSON.stringify(t?.name)} has an inconsistent entry`);
    if (t.offset + t.length > all.length) throw new Error(`${binFile}: shorter than its index says (truncated)`);
    tensors.set(t.name, { name: t.name, shape: t.shape, data: all.slice(t.offset, t.offset + t.length) });
  }
  return { meta: index.meta, tensors };
}

/** Directories in `parent` named PREFIX-NNNN, highest number last (temp directories excluded). */
export async function numberedDirs(parent: string, prefix: string): Promise<{ name: string; n: number }[]> {
  const names = await readdir(parent).catch(() => [] as string[]);
  return names
    .map((name) => ({ name, match: new RegExp(`^${prefix}-(\\d+)$`).exec(name) }))
    .filter((e) => e.match)
    .map((e) => ({ name: e.name, n: Number(e.match![1]) }))
    .sort((a, b) => a.n - b.n);
}

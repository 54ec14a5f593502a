// A tensor bundle: NAME.json (format, meta, and where each tensor lies in NAME.bin) + NAME.bin
// (little-endian float32, tensors back to back). Used for checkpoints and final weights.
import { mkdir, open, readdir, readFile, rename, rm } from 'node:fs/promises';
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
 */
export async function writeBundle<M>(dir: string, name: string, meta: M, tensors: NamedTensor[]): Promise<void> {
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
    await rename(temp, dir);
  } catch (error) {
    await rm(temp, { recursive: true, force: true });
    throw error;
  }
}

export async function readBundle<M>(dir: string, name: string): Promise<{ meta: M; tensors: Map<string, NamedTensor> }> {
  const index = JSON.parse(await readFile(join(dir, `${name}.json`), 'utf8')) as BundleIndex<M>;
  if (index.format !== BUNDLE_FORMAT) throw new Error(`${join(dir, `${name}.json`)}: not a ${BUNDLE_FORMAT} file`);
  const bytes = await readFile(join(dir, `${name}.bin`));
  const all = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  const tensors = new Map<string, NamedTensor>();
  for (const t of index.tensors) {
    if (t.offset + t.length > all.length) throw new Error(`${join(dir, `${name}.bin`)}: shorter than its index says (truncated)`);
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

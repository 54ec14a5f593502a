// A tensor bundle: NAME.json (format, meta, and where each tensor lies in NAME.bin) + NAME.bin
// (little-endian float32, tensors back to back). Used for checkpoints and final weights.
import { mkdir, open, readdir, rename, rm } from 'node:fs/promises';
import { syncDirectory } from '../util/atomic.js';
import { basename, dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';

import { BUNDLE_FORMAT, type BundleIndex, type NamedTensor } from '../util/tensor-bundle.js';
export { BUNDLE_FORMAT, readBundle, type BundleIndex, type NamedTensor } from '../util/tensor-bundle.js';

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
 * `beforeRename` runs between the two (a test's fault injection); `extraFiles` go in with them.
 */
export async function writeBundle<M>(dir: string, name: string, meta: M, tensors: NamedTensor[], beforeRename?: () => void, extraFiles: Record<string, Uint8Array> = {}): Promise<void> {
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
    for (const [file, bytes] of Object.entries(extraFiles)) await writeSynced(join(temp, file), bytes);
    beforeRename?.();
    await rename(temp, dir);
    await syncDirectory(dirname(dir));
  } catch (error) {
    await rm(temp, { recursive: true, force: true });
    throw error;
  }
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

// Reading a trainyard tensor bundle (NAME.json: format, meta, where each tensor lies in NAME.bin;
// NAME.bin: little-endian float32 values back to back). Writing is the runner's (runner/bundle.ts:
// atomic, fsynced); reading is here, so that inspect can check a bundle named by model.init too.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

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


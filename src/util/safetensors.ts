// safetensors, the weights format of PyTorch and Hugging Face: an 8-byte little-endian header
// length N, N bytes of JSON header {NAME: {dtype, shape, data_offsets: [begin, end]}, __metadata__?},
// then the raw little-endian data, offsets relative to its start. Read strictly: every byte is
// accounted for, no two tensors overlap, each tensor's size matches its dtype and shape.
import { open, readFile } from 'node:fs/promises';

export type SafetensorsDtype = 'F64' | 'F32' | 'F16' | 'BF16' | 'I64' | 'I32' | 'I16' | 'I8' | 'U8' | 'BOOL';

const BYTES: Record<string, number> = { F64: 8, F32: 4, F16: 2, BF16: 2, I64: 8, I32: 4, I16: 2, I8: 1, U8: 1, BOOL: 1 };

/** The dtypes read as numbers (narrowed to float32); the others are named in an error. */
const READABLE = new Set(['F32', 'F64', 'I64', 'I32']);

export interface SafetensorsEntry {
  name: string;
  dtype: SafetensorsDtype;
  shape: number[];
  /** Byte offsets into the data section. */
  begin: number;
  end: number;
}

export interface SafetensorsHeader {
  entries: SafetensorsEntry[];
  metadata: Record<string, string>;
  /** Where the data section starts in the file. */
  dataOffset: number;
}

export class SafetensorsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SafetensorsError';
  }
}

const MAX_HEADER = 100 * 1024 * 1024;

/** Parses and checks the header; `fileSize` is the whole file's length. */
export function parseHeader(prefix: Uint8Array, fileSize: number, file: string): SafetensorsHeader {
  const fail = (why: string): never => {
    throw new SafetensorsError(`${file}: not a valid safetensors file: ${why}`);
  };
  if (fileSize < 8 || prefix.byteLength < 8) fail(`${fileSize} bytes is too short for the 8-byte header length`);
  const view = new DataView(prefix.buffer, prefix.byteOffset, prefix.byteLength);
  const length = Number(view.getBigUint64(0, true));
  if (length > MAX_HEADER || 8 + length > fileSize) fail(`its header length (${length} bytes) runs past the end of the file (${fileSize} bytes)`);
  if (prefix.byteLength < 8 + length) fail('the header is truncated');
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(prefix.subarray(8, 8 + length)));
  } catch (error) {
    fail(`its header is not JSON (${(error as Error).message})`);
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json)) fail('its header is not a JSON object');
  const entries: SafetensorsEntry[] = [];
  let metadata: Record<string, string> = {};
  for (const [name, value] of Object.entries(json as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (value === null || typeof value !== 'object' || Object.values(value).some((v) => typeof v !== 'string')) fail('__metadata__ must map names to strings');
      metadata = value as Record<string, string>;
      continue;
    }
    const v = value as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (typeof v?.dtype !== 'string' || !(v.dtype in BYTES)) fail(`tensor '${name}' has an unknown dtype ${JSON.stringify(v?.dtype)}`);
    if (!Array.isArray(v.shape) || !v.shape.every((d) => Number.isInteger(d) && d >= 0)) fail(`tensor '${name}' has a malformed shape ${JSON.stringify(v.shape)}`);
    const offsets = v.data_offsets;
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isInteger(o) && o >= 0) || offsets[0] > offsets[1]) {
      fail(`tensor '${name}' has malformed data_offsets ${JSON.stringify(offsets)}`);
    }
    const shape = v.shape as number[];
    const [begin, end] = offsets as [number, number];
    const expected = shape.reduce((a, b) => a * b, 1) * BYTES[v.dtype as string]!;
    if (end - begin !== expected) fail(`tensor '${name}' (${v.dtype} [${shape.join(', ')}]) needs ${expected} bytes but its data_offsets span ${end - begin}`);
    entries.push({ name, dtype: v.dtype as SafetensorsDtype, shape, begin, end });
  }
  const dataOffset = 8 + length;
  const dataSize = fileSize - dataOffset;
  const sorted = [...entries].sort((a, b) => a.begin - b.begin);
  let at = 0;
  for (const e of sorted) {
    if (e.begin !== at) fail(e.begin < at ? `tensor '${e.name}' overlaps the one before it` : `bytes ${at} to ${e.begin} of the data belong to no tensor`);
    at = e.end;
  }
  if (at !== dataSize) fail(at > dataSize ? `the data is truncated (${dataSize} bytes, the header needs ${at})` : `${dataSize - at} bytes after the last tensor belong to no tensor`);
  return { entries, metadata, dataOffset };
}

/** Reads only the header (inspect: shapes without the values). */
export async function readSafetensorsHeader(file: string): Promise<SafetensorsHeader> {
  const handle = await open(file, 'r');
  try {
    const { size } = await handle.stat();
    const lengthBytes = new Uint8Array(8);
    await handle.read(lengthBytes, 0, 8, 0);
    const length = size >= 8 ? Number(new DataView(lengthBytes.buffer).getBigUint64(0, true)) : 0;
    const prefix = new Uint8Array(Math.min(size, 8 + Math.min(length, MAX_HEADER)));
    await handle.read(prefix, 0, prefix.byteLength, 0);
    return parseHeader(prefix, size, file);
  } finally {
    await handle.close();
  }
}

/** One tensor's values as float32 (F64 narrowed, integers converted); other dtypes are an error naming it. */
function toFloat32(bytes: Uint8Array, entry: SafetensorsEntry, file: string): Float32Array {
  if (!READABLE.has(entry.dtype)) throw new SafetensorsError(`${file}: tensor '${entry.name}' is ${entry.dtype}; trainyard reads F32 and F64 (and I64/I32 counters): convert it with tensor.float() before saving`);
  // A copy of its own (a Buffer's slice would share the pool's memory and alignment).
  const copy = new Uint8Array(entry.end - entry.begin);
  copy.set(bytes.subarray(entry.begin, entry.end));
  const view = new DataView(copy.buffer);
  const n = (entry.end - entry.begin) / BYTES[entry.dtype]!;
  if (entry.dtype === 'F32') return new Float32Array(copy.buffer);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    out[i] = entry.dtype === 'F64' ? view.getFloat64(i * 8, true) : entry.dtype === 'I64' ? Number(view.getBigInt64(i * 8, true)) : view.getInt32(i * 4, true);
  }
  return out;
}

export interface SafetensorsTensor {
  name: string;
  dtype: SafetensorsDtype;
  shape: number[];
  data: Float32Array;
}

export async function readSafetensors(file: string): Promise<{ tensors: Map<string, SafetensorsTensor>; metadata: Record<string, string> }> {
  const bytes = await readFile(file);
  const header = parseHeader(bytes, bytes.byteLength, file);
  const data = bytes.subarray(header.dataOffset);
  const tensors = new Map<string, SafetensorsTensor>();
  for (const e of header.entries) tensors.set(e.name, { name: e.name, dtype: e.dtype, shape: e.shape, data: toFloat32(data, e, file) });
  return { tensors, metadata: header.metadata };
}

export interface TensorToWrite {
  name: string;
  shape: number[];
  data: Float32Array;
  /** F32 unless said (I64: torch's integer counters such as batch norm's num_batches_tracked). */
  dtype?: 'F32' | 'I64';
}

/** The file's bytes: tensors in the order given, the header padded with spaces to 8 bytes as the reference writer does. */
export function encodeSafetensors(tensors: TensorToWrite[], metadata: Record<string, string> = {}): Uint8Array {
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length > 0) header.__metadata__ = metadata;
  let offset = 0;
  for (const t of tensors) {
    if (t.name in header) throw new Error(`two tensors named '${t.name}'`);
    const size = t.data.length * (t.dtype === 'I64' ? 8 : 4);
    header[t.name] = { dtype: t.dtype ?? 'F32', shape: t.shape, data_offsets: [offset, offset + size] };
    offset += size;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - ((8 + Buffer.byteLength(json)) % 8)) % 8);
  const headerBytes = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + headerBytes.byteLength + offset);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(headerBytes.byteLength), true);
  out.set(headerBytes, 8);
  let at = 8 + headerBytes.byteLength;
  for (const t of tensors) {
    for (let i = 0; i < t.data.length; i++) {
      if (t.dtype === 'I64') view.setBigInt64(at + i * 8, BigInt(Math.round(t.data[i]!)), true);
      else view.setFloat32(at + i * 4, t.data[i]!, true);
    }
    at += t.data.length * (t.dtype === 'I64' ? 8 : 4);
  }
  return out;
}

import { open, readFile, stat } from 'node:fs/promises';
import { createReadStream } from 'node:fs';
import { createGunzip, gunzip } from 'node:zlib';
import { promisify } from 'node:util';

const gunzipAsync = promisify(gunzip);

/** IDX (the MNIST file format) header: unsigned bytes only, as MNIST and its kin use. */
export interface IdxHeader {
  dims: number[];
  headerBytes: number;
}

export class IdxError extends Error {
  constructor(
    readonly file: string,
    problem: string,
  ) {
    super(`${file}: ${problem}`);
    this.name = 'IdxError';
  }
}

const isGzip = (bytes: Uint8Array): boolean => bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;

export function parseIdxHeader(bytes: Uint8Array, file: string): IdxHeader {
  if (bytes.length < 4) throw new IdxError(file, `too short for an IDX file (${bytes.length} bytes)`);
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    throw new IdxError(file, `not an IDX file (magic number starts ${hex(bytes[0])} ${hex(bytes[1])}, expected 00 00)`);
  }
  if (bytes[2] !== 0x08) throw new IdxError(file, `IDX element type ${hex(bytes[2])} is not supported (only 08, unsigned bytes)`);
  const rank = bytes[3];
  if (rank < 1 || rank > 4) throw new IdxError(file, `IDX rank ${rank} is not supported (1 to 4)`);
  const headerBytes = 4 + 4 * rank;
  if (bytes.length < headerBytes) throw new IdxError(file, `truncated header (${bytes.length} of ${headerBytes} bytes)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dims = Array.from({ length: rank }, (_, i) => view.getUint32(4 + 4 * i, false));
  return { dims, headerBytes };
}

const hex = (b: number | undefined): string => (b ?? 0).toString(16).padStart(2, '0');

/** Reads only the header (decompressing just its first bytes when gzipped). */
export async function readIdxHeader(file: string): Promise<IdxHeader> {
  const handle = await open(file, 'r').catch((error: NodeJS.ErrnoException) => {
    throw new IdxError(file, error.code === 'ENOENT' ? 'file not found' : error.message);
  });
  let first: Uint8Array;
  try {
    const buffer = Buffer.alloc(24);
    const { bytesRead } = await handle.read(buffer, 0, 24, 0);
    first = buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
  if (!isGzip(first)) {
    const header = parseIdxHeader(first, file);
    const expected = header.headerBytes + header.dims.reduce((a, b) => a * b, 1);
    const size = (await stat(file)).size;
    if (size !== expected) throw new IdxError(file, `size ${size} bytes does not match its header (${expected} bytes for [${header.dims.join(', ')}])`);
    return header;
  }
  return parseIdxHeader(await gunzipPrefix(file, 24), file);
}

async function gunzipPrefix(file: string, bytes: number): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  let total = 0;
  const stream = createReadStream(file).pipe(createGunzip());
  try {
    for await (const chunk of stream) {
      chunks.push(chunk as Buffer);
      total += (chunk as Buffer).length;
      if (total >= bytes) break;
    }
  } catch (error) {
    throw new IdxError(file, `cannot decompress: ${(error as Error).message}`);
  } finally {
    stream.destroy();
  }
  return Buffer.concat(chunks).subarray(0, bytes);
}

/** Reads a whole IDX file (raw or gzipped) and checks its length against the header. */
export async function readIdx(file: string): Promise<{ dims: number[]; data: Uint8Array }> {
  let bytes: Uint8Array = await readFile(file).catch((error: NodeJS.ErrnoException) => {
    throw new IdxError(file, error.code === 'ENOENT' ? 'file not found' : error.message);
  });
  if (isGzip(bytes)) {
    bytes = await gunzipAsync(bytes).catch((error: Error) => {
      throw new IdxError(file, `cannot decompress (truncated or corrupt gzip): ${error.message}`);
    });
  }
  const { dims, headerBytes } = parseIdxHeader(bytes, file);
  const expected = headerBytes + dims.reduce((a, b) => a * b, 1);
  if (bytes.length !== expected) {
    throw new IdxError(file, `${bytes.length < expected ? 'truncated' : 'too long'}: ${bytes.length} bytes, its header [${dims.join(', ')}] needs ${expected}`);
  }
  return { dims, data: bytes.subarray(headerBytes) };
}

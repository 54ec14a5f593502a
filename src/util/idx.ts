import { open, stat } from 'node:fs/promises';
import { createReadStream } from 'node:fs';
import { createGunzip } from 'node:zlib';
import type { Readable } from 'node:stream';

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

/**
 * The most bytes an IDX file may claim (header and data, uncompressed): just under 2 GiB. Its bytes
 * become 4-byte floats when loaded, so even this is 8 GiB of memory; a claim above it is a corrupt
 * header or a gzip bomb, and is refused before anything is decompressed.
 */
export const IDX_MAX_BYTES = 2 ** 31 - 1;

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

/** Header plus data bytes, as the header says; refuses a claim above the limit. */
function claimedBytes(header: IdxHeader, file: string): number {
  const claimed = header.headerBytes + header.dims.reduce((a, b) => a * b, 1);
  if (claimed > IDX_MAX_BYTES) {
    throw new IdxError(file, `its header [${header.dims.join(', ')}] claims ${claimed} bytes, more than an IDX file may hold (${IDX_MAX_BYTES} bytes, 2 GiB); the header is corrupt, or the file is not a dataset`);
  }
  return claimed;
}

const notFound = (file: string) => (error: NodeJS.ErrnoException) => {
  throw new IdxError(file, error.code === 'ENOENT' ? 'file not found' : error.message);
};

async function readPrefix(file: string, bytes: number): Promise<Uint8Array> {
  const handle = await open(file, 'r').catch(notFound(file));
  try {
    const buffer = Buffer.alloc(bytes);
    const { bytesRead } = await handle.read(buffer, 0, bytes, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

/** The file's bytes as they arrive, decompressed when it is gzipped (a lazy stream: nothing is read ahead). */
function contents(file: string, gzipped: boolean): Readable {
  const source = createReadStream(file, { highWaterMark: 1 << 16 });
  if (!gzipped) return source;
  const gunzip = createGunzip({ chunkSize: 1 << 16 });
  source.on('error', (error) => gunzip.destroy(error));
  gunzip.on('close', () => source.destroy());
  return source.pipe(gunzip);
}

/**
 * Reads the file's bytes into a buffer of the size its header claims, decompressing as it goes and
 * stopping at the first byte past the claim: a file never costs more memory than its header says.
 */
async function readClaimed(file: string, gzipped: boolean): Promise<{ header: IdxHeader; bytes: Uint8Array; filled: number }> {
  const stream = contents(file, gzipped);
  let head = Buffer.alloc(0);
  let header: IdxHeader | undefined;
  let bytes: Uint8Array = new Uint8Array(0);
  let filled = 0;
  const begin = () => {
    header = parseIdxHeader(head, file);
    // Shared memory from the start: the pixels go to worker threads as they are, never copied.
    bytes = new Uint8Array(new SharedArrayBuffer(claimedBytes(header, file)));
    take(head);
  };
  const take = (chunk: Uint8Array) => {
    if (filled + chunk.length > bytes.length) {
      throw new IdxError(file, `too long: more than the ${bytes.length} bytes its header [${header!.dims.join(', ')}] claims (refused without decompressing the rest)`);
    }
    bytes.set(chunk, filled);
    filled += chunk.length;
  };
  try {
    for await (const chunk of stream) {
      if (header) take(chunk as Buffer);
      else {
        head = Buffer.concat([head, chunk as Buffer]);
        if (head.length >= 24) begin();
      }
    }
  } catch (error) {
    if (error instanceof IdxError) throw error;
    throw new IdxError(file, gzipped ? `cannot decompress (truncated or corrupt gzip): ${(error as Error).message}` : (error as Error).message);
  } finally {
    stream.destroy();
  }
  if (!header) begin();
  return { header: header!, bytes, filled };
}

/** Reads only the header (decompressing just its first bytes when gzipped); a raw file's size must match it. */
export async function readIdxHeader(file: string): Promise<IdxHeader> {
  const first = await readPrefix(file, 24);
  if (!isGzip(first)) {
    const header = parseIdxHeader(first, file);
    const expected = claimedBytes(header, file);
    const size = (await stat(file)).size;
    if (size !== expected) throw new IdxError(file, `size ${size} bytes does not match its header (${expected} bytes for [${header.dims.join(', ')}])`);
    return header;
  }
  const header = parseIdxHeader(await gunzipPrefix(file, 24), file);
  claimedBytes(header, file);
  return header;
}

async function gunzipPrefix(file: string, bytes: number): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  let total = 0;
  const stream = contents(file, true);
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

/**
 * Reads a whole IDX file (raw or gzipped) and checks its length against the header. The header is
 * read first and its claim checked against IDX_MAX_BYTES before anything more is decompressed.
 */
export async function readIdx(file: string): Promise<{ dims: number[]; data: Uint8Array }> {
  const first = await readPrefix(file, 24);
  const gzipped = isGzip(first);
  if (!gzipped) {
    // A raw file's size is known up front: check it before reading a byte of the data.
    const header = parseIdxHeader(first, file);
    const expected = claimedBytes(header, file);
    const size = (await stat(file)).size;
    if (size !== expected) {
      throw new IdxError(file, `${size < expected ? 'truncated' : 'too long'}: ${size} bytes, its header [${header.dims.join(', ')}] needs ${expected}`);
    }
  }
  const { header, bytes, filled } = await readClaimed(file, gzipped);
  if (filled < bytes.length) throw new IdxError(file, `truncated: ${filled} bytes, its header [${header.dims.join(', ')}] needs ${bytes.length}`);
  return { dims: header.dims, data: bytes.subarray(header.headerBytes) };
}

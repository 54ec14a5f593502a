import { writeFileSync, mkdirSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';

/** An IDX file: magic 00 00 08 rank, big-endian dims, then the bytes. */
export function idxBytes(dims: number[], data: Uint8Array): Buffer {
  const header = Buffer.alloc(4 + 4 * dims.length);
  header[2] = 0x08;
  header[3] = dims.length;
  dims.forEach((d, i) => header.writeUInt32BE(d, 4 + 4 * i));
  return Buffer.concat([header, Buffer.from(data)]);
}

/** A tiny MNIST-format dataset (train n × h × w, test m × h × w) with labels i mod classes; returns its directory. */
export function writeIdxDataset(dir: string, options: { train?: number; test?: number; h?: number; w?: number; classes?: number; gzip?: boolean } = {}): string {
  const { train = 40, test = 20, h = 4, w = 4, classes = 10, gzip = false } = options;
  mkdirSync(dir, { recursive: true });
  const write = (name: string, bytes: Buffer) => writeFileSync(join(dir, gzip ? `${name}.gz` : name), gzip ? gzipSync(bytes) : bytes);
  const images = (n: number) => Uint8Array.from({ length: n * h * w }, (_, i) => (i * 7) % 256);
  const labels = (n: number) => Uint8Array.from({ length: n }, (_, i) => i % classes);
  write('train-images-idx3-ubyte', idxBytes([train, h, w], images(train)));
  write('train-labels-idx1-ubyte', idxBytes([train], labels(train)));
  write('t10k-images-idx3-ubyte', idxBytes([test, h, w], images(test)));
  write('t10k-labels-idx1-ubyte', idxBytes([test], labels(test)));
  return dir;
}

import { createHash, type Hash } from 'node:crypto';
import { decodeInto, isCoded } from '../util/split-values.js';
import type { LoadedData, Split } from '../registry/kinds.js';
import type { DataFingerprint } from '../config/plan.js';

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** The bytes of a typed array, little-endian whatever this machine's order. */
function littleEndianBytes(array: Float32Array | Uint8Array): Uint8Array {
  const bytes = new Uint8Array(array.buffer, array.byteOffset, array.byteLength);
  if (LITTLE_ENDIAN || array.BYTES_PER_ELEMENT === 1) return bytes;
  const copy = new Uint8Array(bytes);
  for (let i = 0; i < copy.length; i += 4) copy.subarray(i, i + 4).reverse();
  return copy;
}

const CHUNK = 1 << 16;

/** The split's input values as float32, decoded a chunk at a time: coded bytes hash as the values they code. */
function hashValues(hash: Hash, split: Split): void {
  if (!isCoded(split)) return void hash.update(littleEndianBytes(split.x));
  const chunk = new Float32Array(CHUNK);
  for (let from = 0; from < split.x.length; from += CHUNK) {
    const length = Math.min(CHUNK, split.x.length - from);
    decodeInto(split, from, length, chunk, 0);
    hash.update(littleEndianBytes(chunk.subarray(0, length)));
  }
}

/**
 * The fingerprint of the data a run trains on, after transforms: a resume (or a queue worker on
 * another machine) recomputes it and refuses data that is not the same.
 */
export function dataFingerprint(data: LoadedData): DataFingerprint {
  const hash = createHash('sha256');
  const splits: Split[] = [data.train, ...(data.validation ? [data.validation] : []), data.test];
  for (const split of splits) {
    hashValues(hash, split);
    hash.update(littleEndianBytes(split.y));
    if (split.target) hash.update(littleEndianBytes(split.target));
  }
  return {
    sha256: hash.digest('hex'),
    sizes: { train: data.train.count, ...(data.validation ? { validation: data.validation.count } : {}), test: data.test.count },
  };
}

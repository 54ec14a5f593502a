import { createHash } from 'node:crypto';
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

/**
 * The fingerprint of the data a run trains on, after transforms: a resume (or a queue worker on
 * another machine) recomputes it and refuses data that is not the same.
 */
export function dataFingerprint(data: LoadedData): DataFingerprint {
  const hash = createHash('sha256');
  const splits: Split[] = [data.train, ...(data.validation ? [data.validation] : []), data.test];
  for (const split of splits) {
    hash.update(littleEndianBytes(split.x));
    hash.update(littleEndianBytes(split.y));
    if (split.target) hash.update(littleEndianBytes(split.target));
  }
  return {
    sha256: hash.digest('hex'),
    sizes: { train: data.train.count, ...(data.validation ? { validation: data.validation.count } : {}), test: data.test.count },
  };
}

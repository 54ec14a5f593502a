// A split's inputs are floats, or bytes with a code: `codes[byte]` is the float32 value each byte
// stands for. Image files' pixels stay 1 byte each in shared memory (Fashion-MNIST's training
// images: 47 MB, not 188 MB as float32) and every batch decodes its own rows. A transform such as
// scale or normalize rewrites the 256 codes instead of every value, with the same float32
// arithmetic it applies to floats: the decoded values have the bits the float path gives. These
// helpers are the one place that decoding happens, so every reader sees the same values.
import { sharedFloat32, sharedUint8 } from './shared.js';

/** The part of a split (registry/kinds.ts: Split) these helpers read; util depends on nothing above it. */
export interface Split {
  count: number;
  x: Float32Array | Uint8Array;
  codes?: Float32Array;
}

/** True when the split's x holds coded bytes rather than the values themselves. */
export const isCoded = <S extends Pick<Split, 'x'>>(split: S): split is S & { x: Uint8Array } => split.x instanceof Uint8Array;

/** The 256 values of a coded split's bytes (each byte its own value when the split gives none). */
export function codesOf(split: Pick<Split, 'codes'>): Float32Array {
  return split.codes ?? Float32Array.from({ length: 256 }, (_, b) => b);
}

/** The codes of bytes read as byte × scale, rounded to float32 as a float array of those products would be. */
export const scaledCodes = (scale: number): Float32Array => Float32Array.from({ length: 256 }, (_, b) => b * scale);

/** Values per sample. */
export const rowWidth = (split: Pick<Split, 'x' | 'count'>): number => (split.count === 0 ? 0 : split.x.length / split.count);

/**
 * Writes the values of `length` elements of x from `from` into `out` at `at`, decoded as float32.
 * Fast path for floats: one bulk copy.
 */
export function decodeInto(split: Pick<Split, 'x' | 'codes'>, from: number, length: number, out: Float32Array, at: number): void {
  const source = split.x;
  if (!(source instanceof Uint8Array)) {
    out.set(source.subarray(from, from + length), at);
    return;
  }
  const codes = codesOf(split);
  for (let i = 0; i < length; i++) out[at + i] = codes[source[from + i]!]!;
}

/** Rows [start, start + n) of a split's inputs as a new float32 array. */
export function rowValues(split: Split, start: number, n: number): Float32Array {
  const width = rowWidth(split);
  const out = new Float32Array(n * width);
  decodeInto(split, start * width, n * width, out, 0);
  return out;
}

/** The split with its inputs decoded to shared float32 (the split itself when they are floats already). */
export function decodedSplit<S extends Split>(split: S): S {
  if (!isCoded(split)) return split;
  const x = sharedFloat32(split.x.length);
  decodeInto(split, 0, split.x.length, x, 0);
  const { codes: _codes, ...rest } = split;
  return { ...rest, x } as unknown as S;
}

/** New shared inputs of the same kind as the split's (bytes stay bytes, under the same codes). */
export function sameKindInputs(split: Pick<Split, 'x'>, length: number): Float32Array | Uint8Array {
  return isCoded(split) ? sharedUint8(length) : sharedFloat32(length);
}

// A split's inputs are floats, or bytes with an affine code (value = byte × scale + offset): image
// files' pixels stay 1 byte each in shared memory (Fashion-MNIST's training images: 47 MB, not
// 188 MB as float32) and every batch decodes its own rows. These helpers are the one place that
// decoding happens, so every reader sees the same float32 values.
import { sharedFloat32, sharedUint8 } from './shared.js';

/** The part of a split (registry/kinds.ts: Split) these helpers read; util depends on nothing above it. */
export interface Split {
  count: number;
  x: Float32Array | Uint8Array;
  scale?: number;
  offset?: number;
}

/** True when the split's x holds coded bytes rather than the values themselves. */
export const isCoded = <S extends Pick<Split, 'x'>>(split: S): split is S & { x: Uint8Array } => split.x instanceof Uint8Array;

/** The affine code of a coded split (identity for floats). */
export function codeOf(split: Pick<Split, 'scale' | 'offset'>): { scale: number; offset: number } {
  return { scale: split.scale ?? 1, offset: split.offset ?? 0 };
}

/** Values per sample. */
export const rowWidth = (split: Pick<Split, 'x' | 'count'>): number => (split.count === 0 ? 0 : split.x.length / split.count);

/**
 * Writes the values of `length` elements of x from `from` into `out` at `at`, decoded as float32.
 * Fast path for floats: one bulk copy.
 */
export function decodeInto(split: Pick<Split, 'x' | 'scale' | 'offset'>, from: number, length: number, out: Float32Array, at: number): void {
  const source = split.x;
  if (!(source instanceof Uint8Array)) {
    out.set(source.subarray(from, from + length), at);
    return;
  }
  const { scale, offset } = codeOf(split);
  for (let i = 0; i < length; i++) out[at + i] = source[from + i]! * scale + offset;
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
  const { scale: _scale, offset: _offset, ...rest } = split;
  return { ...rest, x } as unknown as S;
}

/** New shared inputs of the same kind as the split's (bytes stay bytes, under the same code). */
export function sameKindInputs(split: Pick<Split, 'x'>, length: number): Float32Array | Uint8Array {
  return isCoded(split) ? sharedUint8(length) : sharedFloat32(length);
}

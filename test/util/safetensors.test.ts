import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodeSafetensors, parseHeader, readSafetensors } from '../../src/util/safetensors.js';
import { makeTempDir } from '../run-helpers.js';

/** A file from a header object and a data length, as another writer might make it. */
function raw(header: object, dataBytes: number): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + dataBytes);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  return out;
}
const parse = (bytes: Uint8Array) => parseHeader(bytes, bytes.byteLength, 'f.safetensors');

describe('safetensors', () => {
  it('round-trips names, shapes, F32 and I64 values, and metadata; the header is padded to 8 bytes', async () => {
    const bytes = encodeSafetensors(
      [
        { name: 'a', shape: [2, 3], data: Float32Array.from([1, 2, 3, 4, 5, -6.5]) },
        { name: 'n', shape: [], data: Float32Array.from([7]), dtype: 'I64' },
      ],
      { format: 'pt' },
    );
    assert.equal(Number(new DataView(bytes.buffer).getBigUint64(0, true)) % 8, 0);
    const file = join(makeTempDir(), 'x.safetensors');
    writeFileSync(file, bytes);
    const { tensors, metadata } = await readSafetensors(file);
    assert.deepEqual(metadata, { format: 'pt' });
    assert.deepEqual([...tensors.get('a')!.data], [1, 2, 3, 4, 5, -6.5]);
    assert.deepEqual(tensors.get('n')!.shape, []);
    assert.equal(tensors.get('n')!.dtype, 'I64');
    assert.deepEqual([...tensors.get('n')!.data], [7]);
  });

  it('narrows F64 to float32', async () => {
    const bytes = raw({ w: { dtype: 'F64', shape: [2], data_offsets: [0, 16] } }, 16);
    const view = new DataView(bytes.buffer);
    view.setFloat64(bytes.length - 16, 0.1, true);
    view.setFloat64(bytes.length - 8, -2, true);
    const file = join(makeTempDir(), 'f64.safetensors');
    writeFileSync(file, bytes);
    assert.deepEqual([...(await readSafetensors(file)).tensors.get('w')!.data], [Math.fround(0.1), -2]);
  });

  it('refuses a dtype it cannot read by name (F16)', async () => {
    const file = join(makeTempDir(), 'f16.safetensors');
    writeFileSync(file, raw({ w: { dtype: 'F16', shape: [2], data_offsets: [0, 4] } }, 4));
    await assert.rejects(readSafetensors(file), /tensor 'w' is F16; trainyard reads F32 and F64/);
  });

  it('accounts for every byte: sizes, overlaps, gaps, truncation, trailing bytes', () => {
    assert.throws(() => parse(raw({ w: { dtype: 'F32', shape: [2], data_offsets: [0, 4] } }, 4)), /tensor 'w' \(F32 \[2\]\) needs 8 bytes but its data_offsets span 4/);
    assert.throws(() => parse(raw({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, b: { dtype: 'F32', shape: [1], data_offsets: [4, 8] } }, 8)), /overlaps/);
    assert.throws(() => parse(raw({ a: { dtype: 'F32', shape: [1], data_offsets: [4, 8] } }, 8)), /bytes 0 to 4 of the data belong to no tensor/);
    assert.throws(() => parse(raw({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } }, 4)), /the data is truncated/);
    assert.throws(() => parse(raw({ a: { dtype: 'F32', shape: [1], data_offsets: [0, 4] } }, 8)), /4 bytes after the last tensor belong to no tensor/);
    assert.throws(() => parse(raw({ a: { dtype: 'Q8', shape: [1], data_offsets: [0, 1] } }, 1)), /unknown dtype "Q8"/);
    assert.throws(() => parse(new Uint8Array([255, 255, 255, 255, 0, 0, 0, 0, 1])), /header length .* runs past the end of the file/);
    assert.throws(() => parse(Uint8Array.from([...raw({}, 0).subarray(0, 8), ...new TextEncoder().encode('{x')].slice(0, 10))), /not JSON/);
  });
});

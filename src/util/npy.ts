// NumPy's .npy format (version 1.0), for arrays people analyse in Python: numpy.load(FILE).

const DTYPES = { float32: '<f4', int32: '<i4' } as const;

/** The bytes of an .npy file holding `data` (little-endian) with `shape`. */
export function npyBytes(data: Float32Array | Int32Array, shape: readonly number[]): Buffer {
  const size = shape.reduce((a, b) => a * b, 1);
  if (size !== data.length) throw new Error(`npy: shape [${shape.join(', ')}] holds ${size} values, not ${data.length}`);
  const descr = data instanceof Float32Array ? DTYPES.float32 : DTYPES.int32;
  const dims = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${dims}, }`;
  // Magic (6) + version (2) + header length (2) + header, padded with spaces and a newline to 64 bytes.
  const unpadded = 10 + header.length + 1;
  header += ' '.repeat((64 - (unpadded % 64)) % 64) + '\n';
  const out = Buffer.alloc(10 + header.length + data.byteLength);
  out.write('\x93NUMPY', 0, 'latin1');
  out[6] = 1;
  out[7] = 0;
  out.writeUInt16LE(header.length, 8);
  out.write(header, 10, 'latin1');
  const values = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  // Typed arrays are in the machine's order; every platform Node runs on here is little-endian.
  values.copy(out, 10 + header.length);
  return out;
}

// NumPy's .npy format (what numpy.save and torch's .numpy() + numpy.save write): the magic
// "\x93NUMPY", a version byte pair, a header length (2 bytes in 1.0, 4 in 2.0 and 3.0), a Python
// dict literal {'descr': '<i4', 'fortran_order': False, 'shape': (2, 300), }, then the raw values.
// Read: only what a batch order needs (little-endian integers, C order). Written: float32 and
// int32 arrays people analyse in Python (numpy.load(FILE)).
import { open, readFile } from 'node:fs/promises';

export class NpyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NpyError';
  }
}

export interface NpyHeader {
  descr: string;
  shape: number[];
  dataOffset: number;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59];
const INTEGERS: Record<string, number> = { '<i4': 4, '<i8': 8, '|i1': 1, '<i2': 2, '<u4': 4 };

export function parseNpyHeader(bytes: Uint8Array, fileSize: number, file: string): NpyHeader {
  const fail = (why: string): never => {
    throw new NpyError(`${file}: not a .npy file trainyard can read: ${why}`);
  };
  if (bytes.byteLength < 10 || MAGIC.some((b, i) => bytes[i] !== b)) fail('it does not start with \\x93NUMPY (write it with numpy.save)');
  const major = bytes[6]!;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const lengthSize = major === 1 ? 2 : 4;
  if (major < 1 || major > 3) fail(`unknown format version ${major}`);
  const length = lengthSize === 2 ? view.getUint16(8, true) : view.getUint32(8, true);
  const start = 8 + lengthSize;
  if (bytes.byteLength < start + length) fail('the header is truncated');
  const text = new TextDecoder().decode(bytes.subarray(start, start + length));
  const descr = /'descr'\s*:\s*'([^']*)'/.exec(text)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(text)?.[1];
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(text)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) fail(`its header is not a dict with descr, fortran_order and shape (${JSON.stringify(text.trim())})`);
  if (fortran === 'True') fail('it is in Fortran order; save a C-ordered array (numpy.ascontiguousarray)');
  const shape = shapeText!.split(',').map((s) => s.trim()).filter((s) => s !== '').map(Number);
  if (!shape.every((d) => Number.isInteger(d) && d >= 0)) fail(`malformed shape (${shapeText})`);
  const dataOffset = start + length;
  const itemSize = INTEGERS[descr!];
  if (itemSize !== undefined) {
    const expected = shape.reduce((a, b) => a * b, 1) * itemSize;
    if (fileSize - dataOffset !== expected) fail(`its ${descr} data of shape (${shape.join(', ')}) needs ${expected} bytes, the file has ${fileSize - dataOffset}`);
  }
  return { descr: descr!, shape, dataOffset };
}

export async function readNpyHeader(file: string): Promise<NpyHeader> {
  const handle = await open(file, 'r');
  try {
    const { size } = await handle.stat();
    const prefix = new Uint8Array(Math.min(size, 65536 + 12));
    await handle.read(prefix, 0, prefix.byteLength, 0);
    return parseNpyHeader(prefix, size, file);
  } finally {
    await handle.close();
  }
}

/** An integer array's values (int64 values must fit in a double exactly) and its shape. */
export async function readNpyIntegers(file: string): Promise<{ shape: number[]; values: Float64Array }> {
  const bytes = await readFile(file);
  const header = parseNpyHeader(bytes, bytes.byteLength, file);
  const size = INTEGERS[header.descr];
  if (size === undefined) throw new NpyError(`${file}: its dtype is ${header.descr}; a batch order is integers (int32 '<i4' or int64 '<i8', little-endian)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset + header.dataOffset, bytes.byteLength - header.dataOffset);
  const n = header.shape.reduce((a, b) => a * b, 1);
  const values = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    switch (header.descr) {
      case '<i8':
        values[i] = Number(view.getBigInt64(i * 8, true));
        break;
      case '<i4':
        values[i] = view.getInt32(i * 4, true);
        break;
      case '<u4':
        values[i] = view.getUint32(i * 4, true);
        break;
      case '<i2':
        values[i] = view.getInt16(i * 2, true);
        break;
      default:
        values[i] = view.getInt8(i);
    }
  }
  return { shape: header.shape, values };
}

/** The bytes of a C-ordered little-endian int32 array (tests and tools write orders with it). */
export function encodeNpyInt32(values: ArrayLike<number>, shape: number[]): Uint8Array {
  return npyBytes(Int32Array.from(values), shape);
}

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

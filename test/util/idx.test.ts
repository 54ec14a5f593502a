import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import { readIdx, readIdxHeader } from '../../src/util/idx.js';
import { idxBytes } from '../idx-files.js';
import { makeTempDir } from '../run-helpers.js';

describe('util/idx', () => {
  const dir = makeTempDir();
  const data = Uint8Array.from({ length: 2 * 3 * 3 }, (_, i) => i);
  const raw = join(dir, 'raw');
  const gz = join(dir, 'raw.gz');
  writeFileSync(raw, idxBytes([2, 3, 3], data));
  writeFileSync(gz, gzipSync(idxBytes([2, 3, 3], data)));

  it('reads raw and gzipped files alike', async () => {
    for (const file of [raw, gz]) {
      assert.deepEqual((await readIdxHeader(file)).dims, [2, 3, 3]);
      const read = await readIdx(file);
      assert.deepEqual(read.dims, [2, 3, 3]);
      assert.deepEqual(Array.from(read.data), Array.from(data));
    }
  });

  it('rejects a wrong magic number, naming the file', async () => {
    const bad = join(dir, 'bad-magic');
    const bytes = idxBytes([2], Uint8Array.of(1, 2));
    bytes[0] = 0x1a;
    writeFileSync(bad, bytes);
    await assert.rejects(readIdxHeader(bad), (e: Error) => e.message.startsWith(bad) && /not an IDX file \(magic number starts 1a 00/.test(e.message));
  });

  it('rejects a truncated file (raw: from its size; gzipped: when read)', async () => {
    const truncated = join(dir, 'truncated');
    writeFileSync(truncated, idxBytes([2, 3, 3], data).subarray(0, 20));
    await assert.rejects(readIdxHeader(truncated), /size 20 bytes does not match its header \(34 bytes for \[2, 3, 3\]\)/);
    await assert.rejects(readIdx(truncated), /truncated: 20 bytes, its header \[2, 3, 3\] needs 34/);
    const truncatedGz = join(dir, 'truncated.gz');
    writeFileSync(truncatedGz, gzipSync(idxBytes([2, 3, 3], data).subarray(0, 20)));
    await assert.rejects(readIdx(truncatedGz), /truncated/);
    const cutGzip = join(dir, 'cut.gz');
    writeFileSync(cutGzip, gzipSync(idxBytes([2, 3, 3], data)).subarray(0, 25));
    await assert.rejects(readIdx(cutGzip), /cannot decompress/);
  });

  it('says when a file is missing', async () => {
    await assert.rejects(readIdx(join(dir, 'nope')), /nope: file not found/);
  });
});

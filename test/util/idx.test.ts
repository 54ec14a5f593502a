import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import { IDX_MAX_BYTES, readIdx, readIdxHeader } from '../../src/util/idx.js';
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

  describe('gzip bombs', () => {
    const MiB = 1 << 20;
    // Gzip members concatenate: 64 copies of 16 MiB of zeros make a ~1 MB file that expands to 1 GiB.
    const zeros = gzipSync(Buffer.alloc(16 * MiB), { level: 9 });
    const bomb = (dims: number[]) => Buffer.concat([gzipSync(idxBytes(dims, new Uint8Array(0))), ...Array.from({ length: 64 }, () => zeros)]);

    /** Runs work, sampling the process's resident memory while it runs; returns the largest growth. */
    async function peakRssGrowth(work: () => Promise<unknown>): Promise<number> {
      const start = process.memoryUsage().rss;
      let peak = start;
      const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 2);
      try {
        await work();
      } finally {
        clearInterval(timer);
        peak = Math.max(peak, process.memoryUsage().rss);
      }
      return peak - start;
    }

    it('refuses a body longer than its header claims without inflating the rest', async function () {
      this.timeout(60000);
      const file = join(dir, 'long-body.gz');
      writeFileSync(file, bomb([10, 28, 28]));
      let error: Error | undefined;
      const growth = await peakRssGrowth(() => readIdx(file).catch((e: Error) => (error = e)));
      assert.match(error?.message ?? 'no error', /long-body\.gz: too long: more than the 7856 bytes its header \[10, 28, 28\] claims \(refused without decompressing the rest\)/);
      assert.ok(growth < 128 * MiB, `resident memory grew by ${(growth / MiB).toFixed(0)} MiB for a file that expands to 1 GiB`);
    });

    it('refuses a header that claims more than 2 GiB, before inflating anything', async () => {
      const file = join(dir, 'huge-claim.gz');
      writeFileSync(file, bomb([3_000_000, 28, 28]));
      const refused = new RegExp(`huge-claim\\.gz: its header \\[3000000, 28, 28\\] claims 2352000016 bytes, more than an IDX file may hold \\(${IDX_MAX_BYTES} bytes, 2 GiB\\)`);
      await assert.rejects(readIdxHeader(file), refused, 'inspect reads only the header, and refuses it there');
      const growth = await peakRssGrowth(() => assert.rejects(readIdx(file), refused));
      assert.ok(growth < 128 * MiB, `resident memory grew by ${(growth / MiB).toFixed(0)} MiB`);
    });

    it('refuses a raw file that claims more than 2 GiB, and a raw file longer than its header', async () => {
      const claim = join(dir, 'huge-claim-raw');
      writeFileSync(claim, idxBytes([3_000_000, 28, 28], new Uint8Array(10)));
      await assert.rejects(readIdx(claim), /claims 2352000016 bytes, more than an IDX file may hold/);
      const long = join(dir, 'long-raw');
      writeFileSync(long, idxBytes([2], new Uint8Array(5)));
      await assert.rejects(readIdx(long), /too long: 13 bytes, its header \[2\] needs 10/);
    });
  });

  it('says when a file is missing', async () => {
    await assert.rejects(readIdx(join(dir, 'nope')), /nope: file not found/);
  });
});

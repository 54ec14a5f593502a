import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../../src/util/atomic.js';
import { makeTempDir } from '../run-helpers.js';

describe('util/atomic', () => {
  it('replaces a file whole and leaves no temp file', async () => {
    const dir = makeTempDir();
    const file = join(dir, 'metrics.json');
    writeFileSync(file, 'old');
    await writeFileAtomic(file, 'new');
    assert.equal(readFileSync(file, 'utf8'), 'new');
    assert.deepEqual(readdirSync(dir), ['metrics.json']);
  });

  it('keeps the previous file intact when the disk is full (a 64 KiB tmpfs)', async function () {
    const mount = join(makeTempDir(), 'full');
    mkdirSync(mount);
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', mount], { stdio: 'ignore' });
    } catch {
      // Mounting needs root with CAP_SYS_ADMIN; CI and the project's machines have it.
      if (process.env.CI) throw new Error('cannot mount a tmpfs for the disk-full test');
      this.skip();
    }
    try {
      const file = join(mount, 'metrics.json');
      await writeFileAtomic(file, 'previous, complete');
      await assert.rejects(writeFileAtomic(file, Buffer.alloc(256 * 1024, 120)), /ENOSPC/);
      assert.equal(readFileSync(file, 'utf8'), 'previous, complete');
      assert.deepEqual(readdirSync(mount), ['metrics.json'], 'the partial temp file is removed');
    } finally {
      execFileSync('umount', [mount]);
    }
  });
});

import assert from 'node:assert/strict';
import { readdirSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { createRunDir, newRunId } from '../../src/runner/run-dir.js';
import { makeTempDir } from '../run-helpers.js';

describe('runner/run-dir', () => {
  it('makes run ids of the UTC time and a random suffix', () => {
    assert.match(newRunId(new Date('2026-11-25T04:16:09.123Z')), /^2026-11-25T04-16-09Z-[0-9a-f]{6}$/);
  });

  it('never reuses a directory: 20 runs started in the same second all get their own', async () => {
    const root = makeTempDir();
    const dirs = await Promise.all(Array.from({ length: 20 }, () => createRunDir(root, 'exp')));
    assert.equal(new Set(dirs.map((d) => d.dir)).size, 20);
    assert.equal(readdirSync(join(root, 'exp')).filter((n) => n !== 'latest').length, 20);
    assert.ok(dirs.some((d) => d.id === readlinkSync(join(root, 'exp', 'latest'))), 'latest names one of them');
  });
});

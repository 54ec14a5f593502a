import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { lockHolder, lockRun, RunLockedError } from '../../src/run-log/lock.js';
import { makeTempDir, ROOT } from '../run-helpers.js';

const run = promisify(execFile);
/** A pid that is certainly dead: a child that has exited. */
const deadPid = (): number => spawnSync(process.execPath, ['-e', '0']).pid!;

describe('run-log/lock', () => {
  it('one writer: a second lock of the run is refused while the first is held, and free after release', async () => {
    const dir = makeTempDir();
    const lock = await lockRun(dir);
    assert.deepEqual(JSON.parse(readFileSync(join(dir, '.lock'), 'utf8')), lock.info);
    await assert.rejects(lockRun(dir), (e: unknown) => e instanceof RunLockedError && /being written by process \d+ on/.test(e.message));
    assert.deepEqual(await lockHolder(dir), lock.info);
    lock.release();
    assert.equal(existsSync(join(dir, '.lock')), false);
    (await lockRun(dir)).release();
  });

  it('takes over a lock whose process died on this host, never one from another host', async () => {
    const dir = makeTempDir();
    writeFileSync(join(dir, '.lock'), JSON.stringify({ pid: deadPid(), host: hostname(), startedAt: '2026-01-01T00:00:00.000Z' }));
    assert.equal(await lockHolder(dir), undefined, 'stale');
    const lock = await lockRun(dir);
    assert.equal(JSON.parse(readFileSync(join(dir, '.lock'), 'utf8')).pid, process.pid);
    lock.release();
    writeFileSync(join(dir, '.lock'), JSON.stringify({ pid: deadPid(), host: 'another-machine', startedAt: '2026-01-01T00:00:00.000Z' }));
    await assert.rejects(lockRun(dir), /another-machine/);
  });

  it('takes over a lock naming this very pid that this process never took (a container restarted with the same pid)', async () => {
    const dir = makeTempDir();
    writeFileSync(join(dir, '.lock'), JSON.stringify({ pid: process.pid, host: hostname(), startedAt: '2026-01-01T00:00:00.000Z' }));
    const lock = await lockRun(dir);
    assert.notEqual(JSON.parse(readFileSync(join(dir, '.lock'), 'utf8')).startedAt, '2026-01-01T00:00:00.000Z');
    await assert.rejects(lockRun(dir), RunLockedError, 'but one it holds is held');
    lock.release();
  });

  it('an unreadable lock (a disk that filled as it was written) is taken over once old, never while it may be being written', async () => {
    const dir = makeTempDir();
    writeFileSync(join(dir, '.lock'), '');
    await assert.rejects(lockRun(dir), /being written by process 0/);
    const old = new Date(Date.now() - 60000);
    utimesSync(join(dir, '.lock'), old, old);
    assert.equal(await lockHolder(dir), undefined, 'debris holds nothing');
    (await lockRun(dir)).release();
    assert.deepEqual(readdirSync(dir), [], 'no claim or temp file left');
  });

  it('of several processes taking a stale lock at the same moment, exactly one wins', async function () {
    this.timeout(30000);
    const dir = makeTempDir();
    writeFileSync(join(dir, '.lock'), JSON.stringify({ pid: deadPid(), host: hostname(), startedAt: '2026-01-01T00:00:00.000Z' }));
    const at = String(Date.now() + 1500);
    const probe = join(ROOT, 'test', 'fixtures', 'probes', 'take-lock.mjs');
    const outcomes = await Promise.all(Array.from({ length: 6 }, () => run(process.execPath, [probe, dir, at]).then((r) => r.stdout.trim())));
    assert.equal(outcomes.filter((o) => o === 'won').length, 1, outcomes.join('\n'));
    assert.ok(outcomes.filter((o) => o !== 'won').every((o) => /^lost: .*being written by process/.test(o)), outcomes.join('\n'));
  });
});

// One writer per run directory: <run>/.lock holds {pid, host, startedAt}, created exclusively.
// A lock is stale only when its host is this one and its process is gone (a kill); a lock from
// another host (a queue worker's, on a shared disk) is never taken over.
import { closeSync, linkSync, openSync, readFileSync, renameSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';

export const LOCK_FILE = '.lock';

export interface LockInfo {
  pid: number;
  host: string;
  startedAt: string;
}

export interface RunLock {
  info: LockInfo;
  /** Removes the lock (synchronous: it also runs when the process exits). */
  release(): void;
}

/** The run is being written by another process. */
export class RunLockedError extends Error {
  constructor(
    readonly runDir: string,
    readonly holder: LockInfo,
  ) {
    super(
      `${runDir} is being written by process ${holder.pid} on ${holder.host} (since ${holder.startedAt}); ` +
        `wait for it to finish, or if that process is gone for good, delete ${join(runDir, LOCK_FILE)}`,
    );
    this.name = 'RunLockedError';
  }
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/** The lock's holder, when a live process (or one on another host) holds it. */
export async function lockHolder(runDir: string): Promise<LockInfo | undefined> {
  let info: LockInfo;
  try {
    info = JSON.parse(await readFile(join(runDir, LOCK_FILE), 'utf8')) as LockInfo;
  } catch (error) {
    // Missing, or half-written by a process that is creating it right now.
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    return { pid: 0, host: 'unknown', startedAt: 'unknown' };
  }
  if (info?.host === hostname() && Number.isInteger(info.pid) && !alive(info.pid)) return undefined;
  return info;
}

const sameHolder = (a: LockInfo | undefined, b: LockInfo | undefined): boolean => !!a && !!b && a.pid === b.pid && a.host === b.host && a.startedAt === b.startedAt;

function readInfoSync(path: string): LockInfo | undefined {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as LockInfo;
  } catch {
    return undefined;
  }
}

/** Creates `path` with `text` only if it does not exist; false when it does. */
function createExclusive(path: string, text: string): boolean {
  let fd: number;
  try {
    fd = openSync(path, 'wx');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
  try {
    writeSync(fd, text);
  } finally {
    closeSync(fd);
  }
  return true;
}

/**
 * Replaces a stale lock with ours. Only one of several processes doing this at once may win:
 * each first creates a claim file named after the stale holder, exclusively; the winner checks
 * that the lock is still the stale one and renames its own over it (atomic). A claim whose
 * claimant died is broken the same careful way.
 */
function takeOver(path: string, stale: LockInfo, mine: LockInfo): boolean {
  const claim = `${path}.claim-${stale.pid}-${Date.parse(stale.startedAt) || 0}`;
  if (!createExclusive(claim, `${JSON.stringify(mine)}\n`)) {
    const claimant = readInfoSync(claim);
    if (claimant && claimant.host === hostname() && !alive(claimant.pid)) {
      const broken = `${claim}.broken-${process.pid}-${randomBytes(3).toString('hex')}`;
      try {
        renameSync(claim, broken);
        if (sameHolder(readInfoSync(broken), claimant)) unlinkSync(broken);
        else linkSync(broken, claim), unlinkSync(broken); // it was a live claim made meanwhile: put it back
      } catch {
        // Someone else is at it: let them.
      }
    }
    return false;
  }
  try {
    if (!sameHolder(readInfoSync(path), stale)) return false;
    const temp = `${path}.${process.pid}-${randomBytes(3).toString('hex')}.tmp`;
    writeFileSync(temp, `${JSON.stringify(mine)}\n`);
    renameSync(temp, path);
    return true;
  } finally {
    unlinkSync(claim);
  }
}

/** Takes the run's lock or throws RunLockedError; file-system errors are thrown as they are. */
export async function lockRun(runDir: string): Promise<RunLock> {
  const path = join(runDir, LOCK_FILE);
  const info: LockInfo = { pid: process.pid, host: hostname(), startedAt: new Date().toISOString() };
  let taken = false;
  let current: LockInfo | undefined;
  for (let attempt = 0; attempt < 10 && !taken; attempt++) {
    if (attempt > 0) await new Promise((ok) => setTimeout(ok, 20));
    if ((taken = createExclusive(path, `${JSON.stringify(info)}\n`))) break;
    // Unreadable: being written by a process that is taking it right now (look again), or garbage.
    current = readInfoSync(path);
    if (!current) continue;
    if (current.host !== hostname() || !Number.isInteger(current.pid) || alive(current.pid)) throw new RunLockedError(runDir, current);
    // Stale: its process died on this host.
    taken = takeOver(path, current, info);
  }
  if (!taken) throw new RunLockedError(runDir, current ?? { pid: 0, host: 'unknown (the lock file cannot be read)', startedAt: 'unknown' });
  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    process.off('exit', release);
    // Only our own lock: never one another process took after ours was judged stale.
    if (sameHolder(readInfoSync(path), info)) {
      try {
        unlinkSync(path);
      } catch {
        // A read-only or vanished directory: nothing to release.
      }
    }
  };
  process.on('exit', release);
  return { info, release };
}

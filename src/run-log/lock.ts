// One writer per run directory: <run>/.lock holds {pid, host, startedAt}. It is created whole (a
// temp file linked into place, so a full disk never leaves an empty lock) and exclusively. A lock
// is stale only when its host is this one and its process is gone (a kill), or it is unreadable
// and old; a lock from another host (a queue worker's, on a shared disk) is never taken over.
import { closeSync, linkSync, openSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { join } from 'node:path';

export const LOCK_FILE = '.lock';

/** An unreadable lock (from a disk that filled, say) younger than this may be one being written. */
const UNREADABLE_GRACE_MS = 5000;

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

/** Locks this process holds: a lock naming this process's pid that is not among them was left by an earlier one (a container restarted with the same pid). */
const held = new Set<string>();

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/** Whether the process that wrote `info` for the lock at `path` is gone (only knowable on this host). */
const gone = (info: LockInfo, path: string): boolean =>
  info.host === hostname() && Number.isInteger(info.pid) && (info.pid === process.pid ? !held.has(path) : !alive(info.pid));

function readInfoSync(path: string): LockInfo | undefined {
  try {
    const info = JSON.parse(readFileSync(path, 'utf8')) as LockInfo;
    return info && typeof info === 'object' && typeof info.host === 'string' ? info : undefined;
  } catch {
    return undefined;
  }
}

const ageMs = (path: string): number => {
  try {
    return Date.now() - statSync(path).mtimeMs;
  } catch {
    return 0;
  }
};

/** The lock's holder, when a live process (or one on another host) holds it. */
export async function lockHolder(runDir: string): Promise<LockInfo | undefined> {
  const path = join(runDir, LOCK_FILE);
  const info = readInfoSync(path);
  if (!info) {
    try {
      statSync(path);
    } catch {
      return undefined; // no lock
    }
    // Unreadable: one being created this instant holds the run; an old one is debris.
    return ageMs(path) > UNREADABLE_GRACE_MS ? undefined : { pid: 0, host: 'unknown (its lock is being written)', startedAt: 'now' };
  }
  return gone(info, path) ? undefined : info;
}

const sameHolder = (a: LockInfo | undefined, b: LockInfo | undefined): boolean => !!a && !!b && a.pid === b.pid && a.host === b.host && a.startedAt === b.startedAt;

/**
 * Creates `path` holding `text`, whole, only if it does not exist; false when it does. The text goes
 * to a temp file first, which a hard link puts in place (exclusive, and never half-written); where
 * hard links do not work, an exclusive create and a write.
 */
function createExclusive(path: string, text: string): boolean {
  const temp = `${path}.${process.pid}-${randomBytes(3).toString('hex')}.tmp`;
  try {
    writeFileSync(temp, text, { flag: 'wx' });
    try {
      linkSync(temp, path);
      return true;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') return false;
      if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP') throw error;
    }
  } finally {
    try {
      unlinkSync(temp);
    } catch {
      // never made
    }
  }
  let fd: number;
  try {
    fd = openSync(path, 'wx');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
  try {
    writeSync(fd, text);
  } catch (error) {
    closeSync(fd);
    unlinkSync(path);
    throw error;
  }
  closeSync(fd);
  return true;
}

/**
 * Replaces a stale lock with ours. Only one of several processes doing this at once may win: each
 * first creates a claim file named after the stale lock, exclusively; the winner checks that the
 * lock is still the stale one and renames its own over it (atomic). A claim whose claimant is gone
 * is broken the same careful way; so is an unreadable one, once old.
 */
function takeOver(path: string, stale: string, stillStale: () => boolean, mine: LockInfo): boolean {
  const claim = `${path}.claim-${stale}`;
  if (!createExclusive(claim, `${JSON.stringify(mine)}\n`)) {
    const claimant = readInfoSync(claim);
    if (claimant ? gone(claimant, claim) : ageMs(claim) > UNREADABLE_GRACE_MS) {
      const broken = `${claim}.broken-${process.pid}-${randomBytes(3).toString('hex')}`;
      try {
        renameSync(claim, broken);
        const moved = readInfoSync(broken);
        if (claimant ? sameHolder(moved, claimant) : !moved) unlinkSync(broken);
        else (linkSync(broken, claim), unlinkSync(broken)); // a live claim made meanwhile: put it back
      } catch {
        // Someone else is at it: let them.
      }
    }
    return false;
  }
  try {
    if (!stillStale()) return false;
    const temp = `${path}.${process.pid}-${randomBytes(3).toString('hex')}.tmp`;
    try {
      writeFileSync(temp, `${JSON.stringify(mine)}\n`);
      renameSync(temp, path);
    } catch (error) {
      try {
        unlinkSync(temp);
      } catch {
        // never made
      }
      throw error;
    }
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
    current = readInfoSync(path);
    if (!current) {
      // Unreadable: one being put in place right now (look again), or old debris (take it over).
      const age = ageMs(path);
      if (age <= UNREADABLE_GRACE_MS) continue;
      let mtime: string;
      try {
        mtime = String(Math.round(statSync(path).mtimeMs));
      } catch {
        continue; // gone since: create it
      }
      taken = takeOver(path, `unreadable-${mtime}`, () => !readInfoSync(path) && ageMs(path) > UNREADABLE_GRACE_MS, info);
      continue;
    }
    if (!gone(current, path)) throw new RunLockedError(runDir, current);
    const stale = current;
    taken = takeOver(path, `${stale.pid}-${Date.parse(stale.startedAt) || 0}`, () => sameHolder(readInfoSync(path), stale), info);
  }
  if (!taken) throw new RunLockedError(runDir, current ?? { pid: 0, host: 'unknown (the lock file cannot be read)', startedAt: 'unknown' });
  held.add(path);
  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    held.delete(path);
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

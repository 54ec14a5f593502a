import { mkdir, rename, rm, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { writeJsonAtomic } from '../util/atomic.js';
import { DirectoryError, ensureDirectory, fsReason } from '../util/fs-errors.js';
import { lockRun, type RunLock } from '../run-log/lock.js';

export const PLAN_FILE = 'plan.json';

/** '2026-11-25T04-16-09Z-3fa2c1': UTC time, then a random suffix so two runs never share an id. */
export function newRunId(date = new Date()): string {
  const time = date.toISOString().replace(/\.\d+Z$/, 'Z').replace(/:/g, '-');
  return `${time}-${randomBytes(3).toString('hex')}`;
}

/** A run directory could not be made; says where and why (the caller words it for the user). */
export class RunDirError extends Error {}

/**
 * Creates <root>/<experiment>/<run id>/ (never an existing one), takes its lock, writes plan.json
 * and only then points <root>/<experiment>/latest at it. If any of that fails (a full disk, no
 * inodes), the new directory is removed again: no empty run is left for `latest` to name.
 */
export async function createRunDir(root: string, experiment: string, plan: unknown = undefined): Promise<{ dir: string; id: string; lock: RunLock }> {
  const parent = join(root, experiment);
  try {
    await ensureDirectory(parent);
  } catch (error) {
    throw error instanceof DirectoryError ? new RunDirError(`cannot write runs under ${root}: ${error.message}`) : error;
  }
  for (;;) {
    const id = newRunId();
    const dir = join(parent, id);
    try {
      await mkdir(dir); // fails if it exists: a run directory is never reused
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') continue;
      throw new RunDirError(`cannot create a run directory in ${parent}: it ${fsReason(error)}`);
    }
    let lock: RunLock | undefined;
    try {
      lock = await lockRun(dir);
      if (plan !== undefined) await writeJsonAtomic(join(dir, PLAN_FILE), plan);
    } catch (error) {
      lock?.release();
      await rm(dir, { recursive: true, force: true }).catch(() => undefined);
      throw new RunDirError(`cannot start a run in ${parent}: it ${fsReason(error)}`);
    }
    await pointLatest(parent, id);
    return { dir, id, lock };
  }
}

/** Replaces the `latest` link atomically (a new link, renamed over the old one). */
async function pointLatest(parent: string, id: string): Promise<void> {
  const temp = join(parent, `.latest.${randomBytes(4).toString('hex')}`);
  try {
    await symlink(id, temp);
    await rename(temp, join(parent, 'latest'));
  } catch {
    await rm(temp, { force: true }); // a file system without symlinks still gets the run itself
  }
}

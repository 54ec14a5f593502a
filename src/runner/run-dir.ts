import { mkdir, rename, rm, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';

/** '2026-11-25T04-16-09Z-3fa2c1': UTC time, then a random suffix so two runs never share an id. */
export function newRunId(date = new Date()): string {
  const time = date.toISOString().replace(/\.\d+Z$/, 'Z').replace(/:/g, '-');
  return `${time}-${randomBytes(3).toString('hex')}`;
}

/**
 * Creates <root>/<experiment>/<run id>/ (never an existing one) and points
 * <root>/<experiment>/latest at it.
 */
export async function createRunDir(root: string, experiment: string): Promise<{ dir: string; id: string }> {
  const parent = join(root, experiment);
  await mkdir(parent, { recursive: true });
  for (;;) {
    const id = newRunId();
    const dir = join(parent, id);
    try {
      await mkdir(dir); // fails if it exists: a run directory is never reused
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') continue;
      throw error;
    }
    await pointLatest(parent, id);
    return { dir, id };
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

import { open, readdir, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { failpoint } from './failpoint.js';

/** fsync of a directory, so that a rename in it survives a crash of the machine; best effort. */
export async function syncDirectory(dir: string): Promise<void> {
  try {
    const handle = await open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // Some file systems cannot fsync a directory; the rename itself is still atomic.
  }
}

const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/** Temp files of `path` left by a process that died mid-write (a kill): they are never read, so they go. */
async function removeAbandonedTemps(path: string): Promise<void> {
  const prefix = `.${basename(path)}.`;
  const names = await readdir(dirname(path)).catch(() => [] as string[]);
  for (const name of names) {
    const match = name.startsWith(prefix) ? /^\.(\d+)\.[0-9a-f]{8}\.tmp$/.exec(name.slice(prefix.length - 1)) : null;
    if (match && Number(match[1]) !== process.pid && !isAlive(Number(match[1]))) await rm(join(dirname(path), name), { force: true });
  }
}

/**
 * Writes a file so that readers see the old or the new content, never a torn one: temp file, fsync,
 * rename. Temp files of the same path that a killed process left behind are removed.
 */
export async function writeFileAtomic(path: string, content: string | Uint8Array): Promise<void> {
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    const handle = await open(temp, 'wx');
    try {
      await handle.writeFile(content);
      await handle.sync();
    } finally {
      await handle.close();
    }
    failpoint(`rename:${basename(path)}`);
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
  await removeAbandonedTemps(path);
}

export const writeJsonAtomic = (path: string, value: unknown): Promise<void> => writeFileAtomic(path, `${JSON.stringify(value, null, 2)}\n`);

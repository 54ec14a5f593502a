import { mkdir, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';

/** What a file-system error means for the user, in words ('is on a read-only file system'). */
export function fsReason(error: unknown): string {
  const e = error as NodeJS.ErrnoException;
  switch (e?.code) {
    case 'EROFS':
      return 'is on a read-only file system';
    case 'EACCES':
    case 'EPERM':
      return 'cannot be written (permission denied)';
    case 'ENOSPC':
      return 'is on a full disk (no space or no inodes left)';
    case 'EDQUOT':
      return 'is over its disk quota';
    case 'ELOOP':
      return 'goes through a loop of symbolic links';
    case 'ENOTDIR':
      return 'has a file where a directory should be';
    case 'ENAMETOOLONG':
      return 'is too long a path';
    case 'EIO':
      return 'gave an I/O error (a failing disk?)';
    default:
      return `could not be written (${e?.message ?? String(error)})`;
  }
}

/** Thrown by ensureDirectory with the path at fault and the reason. */
export class DirectoryError extends Error {
  constructor(
    readonly path: string,
    readonly reason: string,
  ) {
    super(`${path} ${reason}`);
    this.name = 'DirectoryError';
  }
}

/**
 * mkdir -p, one level at a time: Node's recursive mkdir loops forever on file systems that answer
 * ENOENT for a directory that exists (/proc), and its errors do not say which level failed.
 */
export async function ensureDirectory(path: string): Promise<void> {
  const target = resolve(path);
  const missing: string[] = [];
  for (let dir = target; ; dir = dirname(dir)) {
    const info = await stat(dir).catch((error: NodeJS.ErrnoException) => {
      // Missing, or below a file (found as the walk goes up).
      if (error.code === 'ENOENT' || error.code === 'ENOTDIR') return undefined;
      throw new DirectoryError(dir, fsReason(error));
    });
    if (info) {
      if (!info.isDirectory()) throw new DirectoryError(dir, 'is a file, not a directory');
      break;
    }
    missing.unshift(dir);
    if (dirname(dir) === dir) break;
  }
  for (const dir of missing) {
    try {
      await mkdir(dir);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EEXIST' && (await stat(dir).catch(() => undefined))?.isDirectory()) continue;
      // Its parent exists (made or found above): ENOENT here is a file system that makes no directories (/proc).
      throw new DirectoryError(dir, code === 'ENOENT' ? 'cannot be created (its file system does not allow new directories)' : fsReason(error));
    }
  }
}

// Native libraries (Dawn) print warnings to file descriptor 2 directly, where no JavaScript
// console hook sees them. While `run` is in flight, fd 2 points at a temp file; afterwards the
// lines that are not known noise are written to stderr, so nothing else printed then is lost
// (JavaScript's own writes to process.stderr go to fd 2 too and come out late, in order).
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

interface Libc {
  dup(fd: number): number;
  dup2(from: number, to: number): number;
  close(fd: number): number;
}

let libc: Libc | null | undefined;

async function openLibc(): Promise<Libc | null> {
  if (libc !== undefined) return libc;
  libc = null;
  if (process.platform !== 'linux') return libc;
  try {
    const koffi = (await import('koffi')).default;
    const lib = koffi.load('libc.so.6');
    libc = { dup: lib.func('int dup(int)'), dup2: lib.func('int dup2(int, int)'), close: lib.func('int close(int)') };
  } catch {
    // No libc to call (musl, another platform): the warnings stay visible, nothing else changes.
  }
  return libc;
}

/**
 * Runs `run` with fd 2 pointing at a temp file; returns its result (or error) with the lines
 * written there meanwhile, for the caller to print, drop or explain. Where libc cannot be called,
 * nothing is captured (the lines go to stderr as they come).
 */
export async function captureNativeStderr<T>(run: () => Promise<T>): Promise<{ value?: T; error?: unknown; lines: string[] }> {
  const settle = async () => {
    try {
      return { value: await run() };
    } catch (error) {
      return { error };
    }
  };
  const c = await openLibc();
  if (!c) return { ...(await settle()), lines: [] };
  const dir = mkdtempSync(join(tmpdir(), 'trainyard-stderr-'));
  const file = join(dir, 'stderr');
  const fd = openSync(file, 'w+');
  const saved = c.dup(2);
  if (saved < 0 || c.dup2(fd, 2) < 0) {
    closeSync(fd);
    rmSync(dir, { recursive: true, force: true });
    if (saved >= 0) c.close(saved);
    return { ...(await settle()), lines: [] };
  }
  let outcome: { value?: T; error?: unknown };
  try {
    outcome = await settle();
  } finally {
    c.dup2(saved, 2);
    c.close(saved);
    closeSync(fd);
  }
  const lines = readFileSync(file, 'utf8').split('\n').filter((line) => line !== '');
  rmSync(dir, { recursive: true, force: true });
  return { ...outcome, lines };
}

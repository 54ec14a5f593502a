// Native libraries (Dawn) print warnings to file descriptor 2 directly, where no JavaScript
// console hook sees them. While `run` is in flight, fd 2 points at a temp file; afterwards the
// lines that are not known noise are written to stderr, so nothing else printed then is lost
// (JavaScript's own writes to process.stderr go to fd 2 too and come out late, in order).
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getEnvironmentData, isMainThread, setEnvironmentData } from 'node:worker_threads';

// fd 2 is the process's, shared by every thread: one capture at a time, or a second one would save
// the first one's temp file as "stderr" and put it back. The lock is a shared word that worker
// threads inherit from the main thread (worker_threads environment data is cloned into each new
// worker, and a SharedArrayBuffer clones as shared memory).
const LOCK_KEY = 'trainyard.nativeStderrLock';
if (isMainThread && getEnvironmentData(LOCK_KEY) === undefined) setEnvironmentData(LOCK_KEY, new SharedArrayBuffer(4));
const lockWord = (): Int32Array => new Int32Array((getEnvironmentData(LOCK_KEY) as SharedArrayBuffer | undefined) ?? new SharedArrayBuffer(4));

async function locked<T>(run: () => Promise<T>): Promise<T> {
  const word = lockWord();
  while (Atomics.compareExchange(word, 0, 0, 1) !== 0) {
    // Atomics.waitAsync (Node 16+; not in TypeScript's ES2022 lib): waits without blocking the thread.
    const wait = (Atomics as unknown as { waitAsync(a: Int32Array, i: number, v: number, ms: number): { async: boolean; value: Promise<string> | string } }).waitAsync(word, 0, 1, 1000);
    if (wait.async) await wait.value;
  }
  try {
    return await run();
  } finally {
    Atomics.store(word, 0, 0);
    Atomics.notify(word, 0);
  }
}

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

/** The capture itself: fd 2 on a temp file while `settle` runs, then back. */
async function capture<R>(c: Libc, settle: () => Promise<R>): Promise<R & { lines: string[] }> {
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
  let outcome: R;
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

/**
 * Runs `run` with fd 2 pointing at a temp file; returns its result (or error) with the lines
 * written there meanwhile, for the caller to print, drop or explain. Where libc cannot be called,
 * nothing is captured (the lines go to stderr as they come).
 */
export async function captureNativeStderr<T>(run: () => Promise<T>): Promise<{ value?: T; error?: unknown; lines: string[] }> {
  const settle = async (): Promise<{ value?: T; error?: unknown }> => {
    try {
      return { value: await run() };
    } catch (error) {
      return { error };
    }
  };
  const c = await openLibc();
  if (!c) return { ...(await settle()), lines: [] };
  return locked(() => capture(c, settle));
}

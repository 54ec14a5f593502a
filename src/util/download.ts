import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';

export class DownloadError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DownloadError';
  }
}

export interface DownloadOptions {
  /** Expected md5 of the file, as published; a mismatch caches nothing. */
  md5?: string;
  /** Extra attempts after a broken connection (not after a bad checksum or an HTTP error). */
  retries?: number;
  /** Called as bytes arrive (total when the server says it). */
  onProgress?: (received: number, total: number | undefined) => void;
}

/**
 * Downloads url to dest through a temp file in the same directory, checking its md5 on the way;
 * only a complete, verified file is renamed into place, so an interrupted download never counts
 * as cached.
 */
export async function downloadVerified(url: string, dest: string, options: DownloadOptions = {}): Promise<void> {
  const retries = options.retries ?? 2;
  await mkdir(dirname(dest), { recursive: true });
  for (let attempt = 0; ; attempt++) {
    const temp = join(dirname(dest), `.${basename(dest)}.${randomBytes(4).toString('hex')}.part`);
    try {
      const md5 = await fetchTo(url, temp, options.onProgress);
      if (options.md5 && md5 !== options.md5) {
        throw new DownloadError(`${url}: checksum mismatch (md5 ${md5}, expected ${options.md5}); the file was not cached`);
      }
      await rename(temp, dest);
      return;
    } catch (error) {
      await rm(temp, { force: true });
      if (error instanceof DownloadError) throw error;
      if (attempt >= retries) {
        throw new DownloadError(`${url}: download failed after ${attempt + 1} attempts (${(error as Error).message}); nothing was cached`);
      }
    }
  }
}

async function fetchTo(url: string, path: string, onProgress: DownloadOptions['onProgress']): Promise<string> {
  const response = await fetch(url);
  if (!response.ok || !response.body) throw new DownloadError(`${url}: the server answered ${response.status} ${response.statusText}`);
  const totalHeader = response.headers.get('content-length');
  const total = totalHeader ? Number(totalHeader) : undefined;
  const hash = createHash('md5');
  let received = 0;
  const tap = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      hash.update(chunk);
      received += chunk.length;
      onProgress?.(received, total);
      done(null, chunk);
    },
  });
  await pipeline(Readable.fromWeb(response.body as never), tap, createWriteStream(path, { flags: 'wx' }));
  if (total !== undefined && received !== total) throw new Error(`connection closed after ${received} of ${total} bytes`);
  return hash.digest('hex');
}

/** A one-line progress bar on stderr when it is a terminal; nothing otherwise. */
export function terminalProgress(label: string): DownloadOptions['onProgress'] {
  if (!process.stderr.isTTY) return undefined;
  let last = 0;
  return (received, total) => {
    const now = Date.now();
    if (now - last < 100 && received !== total) return;
    last = now;
    const mb = (n: number) => (n / 1e6).toFixed(1);
    const text = total ? `${label} ${mb(received)}/${mb(total)} MB ${Math.floor((100 * received) / total)}%` : `${label} ${mb(received)} MB`;
    process.stderr.write(`\r\x1b[2K${text}${received === total ? '\n' : ''}`);
  };
}

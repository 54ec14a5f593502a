import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/** A download that cannot succeed as asked; the message says why, for people. */
export class DownloadError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DownloadError';
  }
}

/** What went wrong in one attempt that another attempt may not meet (a stall, a cut connection). */
class AttemptFailed extends Error {}

export interface DownloadOptions {
  /** Expected md5 of the file, as published; a mismatch caches nothing. */
  md5?: string;
  /** The file's size, or the most it may have: a server that sends more is refused at once (not retried). */
  maxBytes?: number;
  /** Attempts in all, after a broken connection or a stall (not after a bad checksum, size or HTTP status); default 3. */
  attempts?: number;
  /** Milliseconds without a byte (before the answer, or between chunks) that count as a stall; default 30 s. */
  stallMs?: number;
  /** Called as bytes arrive (total when the server says it). */
  onProgress?: (received: number, total: number | undefined) => void;
}

const MB = (n: number): string => `${(n / 1e6).toFixed(1)} MB`;

/**
 * Downloads url to dest through a temp file in the same directory, checking its md5 on the way;
 * only a complete, verified file is renamed into place, so an interrupted download never counts
 * as cached.
 */
export async function downloadVerified(url: string, dest: string, options: DownloadOptions = {}): Promise<void> {
  const attempts = options.attempts ?? 3;
  await mkdir(dirname(dest), { recursive: true });
  for (let attempt = 1; ; attempt++) {
    const temp = join(dirname(dest), `.${basename(dest)}.${randomBytes(4).toString('hex')}.part`);
    try {
      const md5 = await fetchTo(url, temp, options);
      if (options.md5 && md5 !== options.md5) {
        throw new DownloadError(`${url}: checksum mismatch (md5 ${md5}, expected ${options.md5}); the file was not cached`);
      }
      await rename(temp, dest);
      return;
    } catch (error) {
      await rm(temp, { force: true });
      if (!(error instanceof AttemptFailed)) throw error;
      if (attempt >= attempts) {
        throw new DownloadError(`${url}: download failed after ${attempt} attempt${attempt === 1 ? '' : 's'} (${error.message}); nothing was cached`);
      }
    }
  }
}

/** One attempt: streams url into path, hashing as it goes; returns the md5. */
async function fetchTo(url: string, path: string, options: DownloadOptions): Promise<string> {
  const stallMs = options.stallMs ?? 30_000;
  const { maxBytes, onProgress } = options;
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const stalled = new AttemptFailed(`no data for ${stallMs >= 1000 ? `${stallMs / 1000} s` : `${stallMs} ms`}`);
  const armStallTimer = () => {
    clearTimeout(timer);
    timer = setTimeout(() => controller.abort(stalled), stallMs);
  };
  armStallTimer();
  try {
    const response = await fetch(url, { signal: controller.signal });
    if (!response.ok || !response.body) throw new DownloadError(`${url}: the server answered ${response.status} ${response.statusText}`);
    const totalHeader = response.headers.get('content-length');
    const total = totalHeader ? Number(totalHeader) : undefined;
    const tooLarge = (bytes: string) => new DownloadError(`${url}: the server sends ${bytes}, more than the ${maxBytes} bytes (${MB(maxBytes!)}) the file has; refused, nothing was cached`);
    if (maxBytes !== undefined && total !== undefined && total > maxBytes) {
      controller.abort(tooLarge(`${total} bytes`));
      throw tooLarge(`${total} bytes`);
    }
    const hash = createHash('md5');
    let received = 0;
    const tap = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        armStallTimer();
        received += chunk.length;
        if (maxBytes !== undefined && received > maxBytes) {
          done(tooLarge(`more than ${maxBytes} bytes`));
          return;
        }
        hash.update(chunk);
        onProgress?.(received, total);
        done(null, chunk);
      },
    });
    await pipeline(Readable.fromWeb(response.body as never), tap, createWriteStream(path, { flags: 'wx' }));
    if (total !== undefined && received !== total) throw new AttemptFailed(`connection closed after ${received} of ${total} bytes`);
    return hash.digest('hex');
  } catch (error) {
    if (controller.signal.aborted && controller.signal.reason instanceof Error) throw controller.signal.reason;
    if (error instanceof DownloadError || error instanceof AttemptFailed) throw error;
    // Anything else is the network's doing (refused, reset, closed early): worth another attempt.
    const cause = (error as Error & { cause?: Error }).cause;
    throw new AttemptFailed(cause?.message ? `${(error as Error).message}: ${cause.message}` : (error as Error).message);
  } finally {
    clearTimeout(timer);
    // Drops the connection when the attempt ends early (refused size, failed write), so no body keeps arriving.
    if (!controller.signal.aborted) controller.abort(new AttemptFailed('attempt over'));
  }
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

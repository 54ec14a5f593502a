// --queue URL (or TRAINYARD_QUEUE) and --store DIR of run and worker, read without loading the
// queue's libraries (a local run never loads them).
import { resolve } from 'node:path';
import type { Plan } from '../config/plan.js';
import { UserError } from '../util/errors.js';
import { ensureDirectory, DirectoryError } from '../util/fs-errors.js';
import { parseQueueUrl, queueUrlOf, type QueueAddress } from '../runner/queue/url.js';

export interface QueueTarget {
  address: QueueAddress;
  url: string;
  flag: string;
  /** --store DIR: a directory every machine mounts (absolute, as this machine sees it). */
  storeDir?: string;
}

/** --queue URL (or TRAINYARD_QUEUE) and --store DIR, checked; undefined for a local run. */
export async function queueTarget(values: Record<string, unknown>): Promise<QueueTarget | undefined> {
  const given = queueUrlOf(values);
  if (!given) {
    if (values.store !== undefined) throw new UserError('--store DIR goes with --queue URL (or TRAINYARD_QUEUE): a local run keeps its records in its run directory');
    return undefined;
  }
  const address = parseQueueUrl(given.text, given.flag);
  let storeDir: string | undefined;
  if (typeof values.store === 'string') {
    storeDir = resolve(values.store);
    await ensureDirectory(storeDir).catch((error: unknown) => {
      throw new UserError(`--store ${values.store}: ${error instanceof DirectoryError ? error.message : (error as Error).message}`);
    });
  }
  return { address, url: given.text, flag: given.flag, ...(storeDir ? { storeDir } : {}) };
}

/** The plan's `queue` entry for a new run. */
export const queueEntry = (target: QueueTarget): NonNullable<Plan['queue']> => ({ url: target.address.shown, store: target.storeDir ? 'directory' : 'redis' });


// `trainyard queue status [URL]`: what the queue holds, run by run.
import type { Job } from 'bullmq';
import { UserError } from '../util/errors.js';
import { columns, printable } from '../util/text.js';
import { QUEUE_NAME, QUEUE_PREFIX } from '../runner/queue/keys.js';
import { queueSettings } from '../runner/queue/settings.js';
import { parseQueueUrl, queueUrlOf } from '../runner/queue/url.js';

export const QUEUE_HELP = `Usage: trainyard queue status [URL]

Per run on the queue (URL, or TRAINYARD_QUEUE): its trials waiting, running (and on which
worker), done (kept a day) and failed (kept a week).`;

export const QUEUE_OPTIONS = {} as const;

const runOf = (job: Job) => (typeof job.data?.runKey === 'string' ? job.data.runKey : '(not a trainyard job)');

export async function queueCommand(args: string[]): Promise<number> {
  const [sub, url, ...rest] = args;
  if (sub !== 'status' || rest.length > 0) throw new UserError('queue: the command is trainyard queue status [URL]');
  const given = url !== undefined ? { text: url, flag: 'URL' } : queueUrlOf({});
  if (!given) throw new UserError('queue status needs the queue URL (or TRAINYARD_QUEUE)');
  const address = parseQueueUrl(given.text, given.flag);
  const { Queue } = await import('bullmq');
  const { connectOrFail, redisClient } = await import('../runner/queue/connection.js');
  const client = redisClient(address, 'command');
  await connectOrFail(client, address, queueSettings().connectMs, given.flag);
  const queue = new Queue(QUEUE_NAME, { connection: client, prefix: QUEUE_PREFIX });
  try {
    const runs = new Map<string, { waiting: number; running: string[]; done: number; failed: number }>();
    const entry = (job: Job) => {
      const key = runOf(job);
      let e = runs.get(key);
      if (!e) runs.set(key, (e = { waiting: 0, running: [], done: 0, failed: 0 }));
      return e;
    };
    for (const job of await queue.getJobs(['waiting', 'prioritized', 'delayed'])) if (job) entry(job).waiting++;
    for (const job of await queue.getJobs(['active'])) if (job) entry(job).running.push(`${job.data?.trial?.id ?? job.name} on ${job.processedBy ?? 'a worker'}`);
    for (const job of await queue.getJobs(['completed'])) if (job) entry(job).done++;
    for (const job of await queue.getJobs(['failed'])) if (job) entry(job).failed++;
    console.log(`queue ${address.shown}: ${runs.size} run${runs.size === 1 ? '' : 's'}`);
    if (runs.size === 0) return 0;
    const rows = [['run', 'waiting', 'running', 'done', 'failed'], ...[...runs].sort(([a], [b]) => (a < b ? -1 : 1)).map(([key, e]) => [printable(key), String(e.waiting), String(e.running.length), String(e.done), String(e.failed)])];
    console.log(columns(rows, '  '));
    for (const [key, e] of runs) for (const r of e.running) console.log(`  ${printable(key)}: ${printable(r)}`);
    return 0;
  } finally {
    await queue.close().catch(() => undefined);
    client.disconnect();
  }
}

// `trainyard worker --queue URL`: a process that trains trials from the queue until stopped.
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { createRegistries } from '../registry/index.js';
import { loadPlugins } from '../registry/modules.js';
import { UserError } from '../util/errors.js';
import { printable } from '../util/text.js';
import type { WorkerModule } from '../runner/queue/job.js';
import { queueSettings } from '../runner/queue/settings.js';
import { parseQueueUrl, queueUrlOf } from '../runner/queue/url.js';
import { queueTarget } from './queue-target.js';

export const WORKER_HELP = (): string => `Usage: trainyard worker --queue URL [--concurrency N] [--store DIR] [--backend NAME]
                        [--data-root DIR] [--plugins FILE...] [--name NAME]

Takes trials from the queue that trainyard run --queue URL fills, trains them and sends their
events back, until stopped (Ctrl-C or SIGTERM: the trials in hand go back to the queue from their
last checkpoints). Any number of workers, on any machines, may take from one queue.

Options:
  --queue URL         redis://[USER:PASSWORD@]HOST:PORT[/DB] (rediss:// for TLS), or TRAINYARD_QUEUE
  --concurrency N     trials trained at once, each in its own worker thread (default 1)
  --store DIR         the directory every machine mounts, for runs started with --store
  --backend NAME      train on this backend instead of the run's (recorded per trial)
  --data-root DIR     where data paths relative to an experiment resolve (default: the
                      coordinator's experiment directory, the same path on this machine)
  --plugins FILE...   the plugin modules this worker may use (a job names its modules by file
                      name and SHA-256; a job needing one this worker lacks fails with the reason)
  --name NAME         how events and trainyard queue status name this worker (default HOST:PID)
  -h, --help          this help`;

export const WORKER_OPTIONS = {
  queue: { type: 'string' },
  concurrency: { type: 'string' },
  store: { type: 'string' },
  backend: { type: 'string' },
  'data-root': { type: 'string' },
  plugins: { type: 'string', multiple: true },
  name: { type: 'string' },
} as const;

async function ownModules(paths: readonly string[]): Promise<{ registries: ReturnType<typeof createRegistries>; modules: WorkerModule[] }> {
  const registries = createRegistries();
  const absolute = paths.map((p) => resolve(p));
  for (const [i, path] of absolute.entries()) {
    if (!(await stat(path).catch(() => undefined))?.isFile()) throw new UserError(`--plugins ${paths[i]}: no such file`);
  }
  const problems = await loadPlugins(resolve('worker'), absolute, registries);
  if (problems.length > 0) throw new UserError(`--plugins: ${problems.map((p) => p.message).join('; ')}`);
  const { moduleRef } = await import('../runner/queue/job.js');
  return { registries, modules: await Promise.all(absolute.map(async (path) => ({ ...(await moduleRef(path)), path }))) };
}

export async function workerCommand(args: string[], values: Record<string, unknown>): Promise<number> {
  if (args.length > 0) throw new UserError(`worker takes no FILE (got '${args[0]}'): the trials come from the queue`);
  const given = queueUrlOf(values);
  if (!given) throw new UserError('worker needs --queue URL (or TRAINYARD_QUEUE): the queue that trainyard run --queue fills');
  const address = parseQueueUrl(given.text, given.flag);
  const text = (values.concurrency as string | undefined) ?? '1';
  if (!/^\d+$/.test(text) || Number(text) < 1 || Number(text) > 64) throw new UserError(`--concurrency must be a whole number from 1 to 64 (got '${text}')`);
  const target = await queueTarget({ queue: given.text, store: values.store });
  let dataRoot: string | undefined;
  if (typeof values['data-root'] === 'string') {
    dataRoot = resolve(values['data-root']);
    if (!(await stat(dataRoot).catch(() => undefined))?.isDirectory()) throw new UserError(`--data-root ${values['data-root']}: not a directory`);
  }
  const { registries, modules } = await ownModules((values.plugins as string[] | undefined) ?? []);
  const backend = values.backend as string | undefined;
  if (backend !== undefined && !registries.backends.has(backend)) throw new UserError(`--backend ${backend}: unknown backend (valid: ${registries.backends.names().join(', ')})`);
  const log = (line: string) => console.log(printable(line));
  const { QueueWorker } = await import('../runner/queue/worker-process.js');
  const worker = await QueueWorker.start({
    address,
    url: given.text,
    concurrency: Number(text),
    ...(target?.storeDir ? { storeDir: target.storeDir } : {}),
    ...(backend ? { backend } : {}),
    ...(dataRoot ? { dataRoot } : {}),
    registries,
    modules,
    ...(typeof values.name === 'string' ? { name: values.name } : {}),
    settings: queueSettings(),
    log,
  });
  log(`worker ${worker.name}: taking trials from ${address.shown} (${text} at a time)${modules.length ? `; plugins: ${modules.map((m) => m.name).join(', ')}` : ''}`);
  return new Promise<number>((done) => {
    let stopping = false;
    const stop = (signal: NodeJS.Signals) => {
      if (stopping) process.exit(130);
      stopping = true;
      log(`worker ${worker.name}: ${signal}: stopping; its trials go back to the queue from their last checkpoints (again to quit at once)`);
      void worker.stop().then(() => done(130));
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

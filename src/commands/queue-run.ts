// The queue side of `trainyard run --queue URL` and of its --resume: connecting (a Redis that
// cannot be reached is exit 2 before anything is written), where the workers keep their records,
// and the executor that hands the trials to the queue.
import { basename, join } from 'node:path';
import type { Redis } from 'ioredis';
import type { Plan } from '../config/plan.js';
import { pluginModulePaths } from '../registry/modules.js';
import type { Metrics, TrialResult } from '../run-log/types.js';
import { UserError } from '../util/errors.js';
import { DirectoryStore, openStore, type StoreSpec, type TrialStore } from '../runner/store.js';
import { connectOrFail, redisClient } from '../runner/queue/connection.js';
import { QueueExecutor } from '../runner/queue/executor.js';
import { runSpecOf } from '../runner/queue/job.js';
import { openRedisStore } from '../runner/queue/open-redis-store.js';
import { queueSettings } from '../runner/queue/settings.js';
import type { QueueTarget } from './queue-target.js';

/** The records of a queued run outside its run directory, and a finished trial's copied in. */
export interface QueueStores {
  store: TrialStore;
  /** A result the workers stored that the run directory lacks, copied into it (with its weights). */
  takeResult(trialId: string): Promise<TrialResult | undefined>;
}

export interface QueueRun {
  target: QueueTarget;
  stores: QueueStores;
  /** The executor of the run; `logged` on a resume. */
  executor(plan: Plan, logged?: { metrics: Metrics; cursor: string }): Promise<QueueExecutor>;
  close(): void;
}

const runKeyOf = (plan: Plan, runDir: string) => `${plan.experiment.name}/${basename(runDir)}`;

export interface QueueLink {
  commands: Redis;
  reader: Redis;
}

/** Connects to the queue: a UserError within 10 s when it cannot (nothing written yet). */
export async function connectQueue(target: QueueTarget): Promise<QueueLink> {
  const { connectMs } = queueSettings();
  const commands = redisClient(target.address, 'command');
  const reader = redisClient(target.address, 'failFast');
  try {
    await connectOrFail(commands, target.address, connectMs, target.flag);
    await connectOrFail(reader, target.address, connectMs, target.flag);
  } catch (error) {
    commands.disconnect();
    reader.disconnect();
    throw error;
  }
  return { commands, reader };
}

/** The queue side of the run in `runDir`; on a resume the plan's `queue` says where its records are. */
export function queueRun(link: QueueLink, target: QueueTarget, plan: Plan, runDir: string): QueueRun {
  const settings = queueSettings();
  const kind = plan.queue?.store ?? (target.storeDir ? 'directory' : 'redis');
  if (kind === 'directory' && !target.storeDir) throw new UserError(`this run's workers keep its records in a shared directory: give it with --store DIR`);
  const runKey = runKeyOf(plan, runDir);
  const spec: StoreSpec = kind === 'directory' ? { kind: 'directory', dir: join(target.storeDir!, plan.experiment.name, basename(runDir)) } : { kind: 'redis', url: target.url, runKey };
  const store = spec.kind === 'redis' ? openRedisStore(spec) : openStore(spec);
  const runStore = new DirectoryStore(runDir);
  return {
    target,
    stores: {
      store,
      async takeResult(trialId) {
        const result = await store.loadResult(trialId);
        if (!result) return undefined;
        const weights = await store.loadFinalWeights(trialId);
        if (weights) await runStore.saveFinalWeights(weights.meta, [...weights.tensors.values()], weights.torch);
        const checkpoint = result.status === 'ok' && !result.stoppedEarly ? await store.loadCheckpoint(trialId) : undefined;
        if (checkpoint) await runStore.saveCheckpoint(trialId, checkpoint);
        await runStore.saveResult(result);
        return result;
      },
    },
    async executor(runPlan, logged) {
      const modules = pluginModulePaths(runPlan.experiment.file, runPlan.pluginModules ?? []);
      const { backend: _backend, ...runSpec } = await runSpecOf(runPlan, modules, kind);
      return new QueueExecutor(
        { address: target.address, runKey, runDir, header: runPlan, store: spec, spec: runSpec, settings, ...(logged ? { logged } : {}), say: (line) => console.error(line) },
        link,
      );
    },
    close() {
      link.commands.disconnect();
      link.reader.disconnect();
      void store.close?.();
    },
  };
}

// The queue's time limits. BullMQ and ioredis retry forever by default; trainyard bounds every
// wait. The defaults suit real runs; tests shorten them through environment variables
// (documented in the README's queue section), never through the experiment file.
import { UserError } from '../../util/errors.js';

export interface QueueSettings {
  /** How long a Redis that cannot be reached at start is waited for (then exit 2, within 10 s of the command's start). */
  connectMs: number;
  /** How long the coordinator waits for a Redis it lost mid-run before it stops (exit 1, resumable). */
  lostMs: number;
  /**
   * A worker's job lock: renewed every half of it while the worker lives; a job whose lock lapsed
   * (its worker was killed) is found stalled within about twice this and retried elsewhere.
   */
  stallMs: number;
  /** A trial's attempts in all: a trial that fails this many times is failed for good. */
  attempts: number;
  /** Times a job may stall (its worker died) before it is failed rather than retried. */
  maxStalls: number;
}

function fromEnv(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number): number {
  const text = env[name];
  if (text === undefined || text.trim() === '') return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n < min) throw new UserError(`${name} must be a whole number of at least ${min} (got '${text}'); unset it for the default of ${fallback}`);
  return n;
}

export function queueSettings(env: NodeJS.ProcessEnv = process.env): QueueSettings {
  return {
    connectMs: 5_000,
    lostMs: fromEnv(env, 'TRAINYARD_QUEUE_LOST_MS', 60_000, 100),
    stallMs: fromEnv(env, 'TRAINYARD_QUEUE_STALL_MS', 30_000, 200),
    attempts: fromEnv(env, 'TRAINYARD_QUEUE_ATTEMPTS', 3, 1),
    maxStalls: 3,
  };
}

// Redis connections with bounded waits. ioredis reconnects forever and queues commands while it
// does; trainyard keeps the reconnecting (a Redis that restarts is found again) but decides itself
// how long to wait: at start (connectOrFail), and mid-run (LinkWatch).
import { Redis, type RedisOptions } from 'ioredis';
import { UserError } from '../../util/errors.js';
import { redact, type QueueAddress } from './url.js';

/**
 * `blocking`: BullMQ's workers and event readers (they must wait: no retry limit, commands queued
 * while reconnecting); `command`: a few retries, then a command fails; `failFast`: fails at once
 * while disconnected (the coordinator's reads, so that it notices a lost Redis).
 */
export type LinkKind = 'blocking' | 'command' | 'failFast';

export function redisClient(address: QueueAddress, kind: LinkKind): Redis {
  const options: RedisOptions = {
    host: address.host,
    port: address.port,
    db: address.db,
    ...(address.username ? { username: address.username } : {}),
    ...(address.password ? { password: address.password } : {}),
    ...(address.tls ? { tls: { servername: address.host } } : {}),
    lazyConnect: true,
    connectTimeout: 5000,
    // Every second at most, for as long as the owner keeps the client: the owner bounds the wait.
    retryStrategy: (times: number) => Math.min(100 * times, 1000),
    maxRetriesPerRequest: kind === 'blocking' ? null : kind === 'command' ? 3 : 1,
    enableOfflineQueue: kind !== 'failFast',
  };
  const client = new Redis(options);
  // Errors are read from status and failed commands; an 'error' event with no listener would end the process.
  client.on('error', () => undefined);
  return client;
}

const AUTH_PROBLEM = /WRONGPASS|NOAUTH|invalid password|invalid username-password|ERR AUTH/i;

/**
 * Connects, or throws a UserError within `ms` naming the address (never its password) and why: a
 * Redis that is not there, a wrong password, a wrong host.
 */
export async function connectOrFail(client: Redis, address: QueueAddress, ms: number, flag = '--queue'): Promise<void> {
  if (client.status === 'ready') return;
  let lastError: Error | undefined;
  let onError: (e: Error) => void = () => undefined;
  let onReady: () => void = () => undefined;
  let timer: NodeJS.Timeout | undefined;
  try {
    await new Promise<void>((resolve, reject) => {
      const fail = () => {
        const why = lastError ? redact(lastError.message, address) : 'no answer';
        const auth = lastError && AUTH_PROBLEM.test(lastError.message);
        reject(
          new UserError(
            auth
              ? `${flag}: the queue at ${address.shown} refused the credentials (${why}); check the user and password of the URL`
              : `${flag}: cannot reach the queue at ${address.shown} (${why}; waited ${ms / 1000} s): is Redis running there, and is the URL right?`,
          ),
        );
      };
      onError = (e: Error) => {
        lastError = e;
        if (AUTH_PROBLEM.test(e.message)) fail();
      };
      onReady = () => resolve();
      client.on('error', onError);
      client.once('ready', onReady);
      timer = setTimeout(fail, ms);
      if (client.status === 'wait') client.connect().catch((e: Error) => onError(e));
    });
  } catch (error) {
    client.disconnect();
    throw error;
  } finally {
    clearTimeout(timer);
    client.off('error', onError);
    client.off('ready', onReady);
  }
}

/** Since when any of the clients has been without Redis, to bound how long a run waits for it. */
export class LinkWatch {
  private downSince: number | undefined;
  private readonly down = new Set<Redis>();

  constructor(clients: readonly Redis[]) {
    for (const client of clients) {
      const lost = () => {
        this.down.add(client);
        this.downSince ??= Date.now();
      };
      client.on('close', lost);
      client.on('reconnecting', lost);
      client.on('ready', () => {
        this.down.delete(client);
        if (this.down.size === 0) this.downSince = undefined;
      });
    }
  }

  /** Milliseconds since the link was lost (0: it is up). */
  lostFor(): number {
    return this.downSince === undefined ? 0 : Date.now() - this.downSince;
  }
}

const LINK_LOST = /max retries per request|Stream isn't writeable|Connection is closed|ECONNREFUSED|ECONNRESET|EPIPE|ETIMEDOUT|Socket closed/i;

/** Why a command failed, in words: a lost connection as such (ioredis says it in its own terms), anything else as Redis said it. */
export function linkProblem(error: unknown, address: QueueAddress): string {
  const message = error instanceof Error ? error.message : String(error);
  return LINK_LOST.test(message) ? 'the connection is lost' : redact(message, address);
}

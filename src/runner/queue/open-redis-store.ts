import type { StoreSpec } from '../store.js';
import { redisClient } from './connection.js';
import { RedisStore } from './redis-store.js';
import { parseQueueUrl } from './url.js';

/** A Redis store on a connection of its own (a worker thread opens its own). */
export function openRedisStore(spec: Extract<StoreSpec, { kind: 'redis' }>): RedisStore {
  return new RedisStore(redisClient(parseQueueUrl(spec.url), 'command'), spec.runKey);
}

// The trial store in Redis, on a Redis of the test's own.
import assert from 'node:assert/strict';
import { connectOrFail, redisClient } from '../../../src/runner/queue/connection.js';
import { RecordTooLargeError, REDIS_RECORD_LIMIT, RedisStore } from '../../../src/runner/queue/redis-store.js';
import { parseQueueUrl } from '../../../src/runner/queue/url.js';
import { CorruptRecordError } from '../../../src/runner/store.js';
import type { CheckpointState } from '../../../src/runner/checkpoint.js';
import { requireRedis, startRedis, type TestRedis } from '../../redis-server.js';

describe('runner/queue/redis-store', function () {
  this.timeout(30000);
  let redis: TestRedis;
  let store: RedisStore;
  let client: ReturnType<typeof redisClient>;

  before(async function () {
    requireRedis(this);
    redis = await startRedis();
    const address = parseQueueUrl(redis.url);
    client = redisClient(address, 'command');
    await connectOrFail(client, address, 5000);
    store = new RedisStore(client, 'exp/run-1');
  });
  after(async () => {
    await store?.close();
    await redis?.stop();
  });

  const checkpoint = (values: number): CheckpointState => ({
    epoch: 2,
    steps: 8,
    cumulativeSeconds: 1.5,
    epochs: [{ epoch: 1, trainLoss: 1, lr: 0.1, seconds: 1, cumulativeSeconds: 1, steps: 4 }],
    random: { init: 1, order: 2 },
    schedule: { step: 3 },
    optimizerStep: 8,
    tensors: [
      { name: 'weights/0', shape: [values], data: Float32Array.from({ length: values }, (_, i) => i / 7) },
      { name: 'weights/1', shape: [3], data: new Float32Array([1, -2, 3.5]) },
    ],
  });

  it('keeps a checkpoint, a result and final weights whole, each under the run and trial', async () => {
    assert.equal(await store.loadCheckpoint('sgd/seed-0'), undefined);
    await store.saveCheckpoint('sgd/seed-0', checkpoint(5));
    assert.deepEqual(await store.loadCheckpoint('sgd/seed-0'), checkpoint(5));
    await store.saveResult({ id: 'sgd/seed-0', status: 'ok', epochs: [] });
    assert.deepEqual(await store.loadResult('sgd/seed-0'), { id: 'sgd/seed-0', status: 'ok', epochs: [] });
    await store.saveFinalWeights({ trialId: 'sgd/seed-0', epoch: 2, layers: [], sampleShape: [4] }, checkpoint(4).tensors);
    const weights = await store.loadFinalWeights('sgd/seed-0');
    assert.deepEqual([...weights!.tensors.values()], checkpoint(4).tensors);
    assert.equal(await new RedisStore(client, 'exp/run-2').loadResult('sgd/seed-0'), undefined, 'another run sees none of it');
    await store.forget('sgd/seed-0');
    assert.equal(await store.loadResult('sgd/seed-0'), undefined);
    assert.equal(await store.loadCheckpoint('sgd/seed-0'), undefined);
  });

  it('refuses a record above 16 MB with a message that asks for a shared directory; a damaged one names itself', async () => {
    await assert.rejects(
      store.saveCheckpoint('adam/seed-0', checkpoint(REDIS_RECORD_LIMIT / 4)),
      (e: Error) => e instanceof RecordTooLargeError && /trial adam\/seed-0: its checkpoint takes 16\.0 MB, more than the 16\.0 MB a record may take in Redis: .*--store DIR/.test(e.message),
    );
    await client.set('trainyard:run:exp/run-1:trial:adam/seed-0:checkpoint', Buffer.from([9, 0, 0, 0, 1]));
    await assert.rejects(store.loadCheckpoint('adam/seed-0'), (e: Error) => e instanceof CorruptRecordError && /checkpoint of trial adam\/seed-0 in Redis: truncated/.test(e.message));
  });
});

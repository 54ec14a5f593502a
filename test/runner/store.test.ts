import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CorruptRecordError, DirectoryStore } from '../../src/runner/store.js';
import type { CheckpointState } from '../../src/runner/checkpoint.js';
import { makeTempDir } from '../run-helpers.js';

const state = (epoch: number): CheckpointState => ({
  epoch,
  steps: epoch * 3,
  cumulativeSeconds: epoch,
  epochs: Array.from({ length: epoch }, (_, i) => ({ epoch: i + 1, trainLoss: 1, lr: 0.1, seconds: 1, cumulativeSeconds: i + 1, steps: 3 * (i + 1) })),
  random: { init: 1, order: 2 },
  schedule: null,
  optimizerStep: epoch * 3,
  tensors: [{ name: 'weights/0', shape: [2, 2], data: Float32Array.from([1, 2, 3, epoch]) }],
});

describe('runner/store', () => {
  it('keeps the newest checkpoint only, and reads it back exactly', async () => {
    const store = new DirectoryStore(makeTempDir());
    await store.saveCheckpoint('adam/seed-0', state(1));
    await store.saveCheckpoint('adam/seed-0', state(2));
    assert.deepEqual(readdirSync(store.checkpointDir('adam/seed-0')), ['epoch-0002']);
    const back = await store.loadCheckpoint('adam/seed-0');
    assert.equal(back?.epoch, 2);
    assert.deepEqual(Array.from(back!.tensors[0]!.data), [1, 2, 3, 2]);
    assert.equal(await store.loadCheckpoint('sgd/seed-0'), undefined);
  });

  it('a damaged checkpoint or result is an error that names its file, not "Unexpected end of JSON input"', async () => {
    const store = new DirectoryStore(makeTempDir());
    await store.saveCheckpoint('adam/seed-0', state(1));
    const file = join(store.checkpointDir('adam/seed-0'), 'epoch-0001', 'checkpoint.json');
    writeFileSync(file, '{"format": "trainyard-te');
    await assert.rejects(store.loadCheckpoint('adam/seed-0'), (e: unknown) => e instanceof CorruptRecordError && e.message.includes(file) && /not valid JSON/.test(e.message));
    mkdirSync(store.checkpointDir('sgd/seed-0'), { recursive: true });
    writeFileSync(join(store.checkpointDir('sgd/seed-0'), 'result.json'), '{"id": "other/seed-0", "status": "ok", "epochs": []}');
    await assert.rejects(store.loadResult('sgd/seed-0'), /result\.json: it is not the result of trial sgd\/seed-0/);
  });

  it('removes the temp directories a killed writer left beside checkpoints and final weights when it writes there again', async () => {
    const store = new DirectoryStore(makeTempDir());
    mkdirSync(join(store.checkpointDir('a/seed-0'), '.epoch-0001.0badc0de.tmp'), { recursive: true });
    await store.saveCheckpoint('a/seed-0', state(1));
    assert.deepEqual(readdirSync(store.checkpointDir('a/seed-0')), ['epoch-0001']);
    mkdirSync(join(store.weightsDir('a/seed-0'), '..', '.seed-0.0badc0de.tmp'), { recursive: true });
    await store.saveFinalWeights({ trialId: 'a/seed-0', epoch: 1, layers: [], sampleShape: [2] }, state(1).tensors);
    assert.deepEqual(readdirSync(join(store.weightsDir('a/seed-0'), '..')), ['seed-0']);
  });

  it("a trial's final weights leave alone the temp directory of a sibling trial writing its own (sgd/seed-1 beside sgd/seed-0)", async () => {
    const store = new DirectoryStore(makeTempDir());
    const parent = join(store.weightsDir('sgd/seed-0'), '..');
    mkdirSync(join(parent, '.seed-1.abcd1234.tmp'), { recursive: true });
    mkdirSync(join(parent, '.seed-0.dead0000.tmp'));
    await store.saveFinalWeights({ trialId: 'sgd/seed-0', epoch: 1, layers: [], sampleShape: [2] }, state(1).tensors);
    assert.deepEqual(readdirSync(parent).sort(), ['.seed-1.abcd1234.tmp', 'seed-0'], "its own leftover goes, the sibling's stays");
  });

  it('removes half-written checkpoints (a kill mid-write) when loading', async () => {
    const store = new DirectoryStore(makeTempDir());
    await store.saveCheckpoint('a/seed-0', state(1));
    mkdirSync(join(store.checkpointDir('a/seed-0'), '.epoch-0002.abcd1234.tmp'));
    assert.equal((await store.loadCheckpoint('a/seed-0'))?.epoch, 1);
    assert.deepEqual(readdirSync(store.checkpointDir('a/seed-0')), ['epoch-0001']);
  });
});

// `run --resume RUN_DIR --epochs N`: a finished run trains on from its last epoch's checkpoint and
// equals a fresh N-epoch run on every field but the timing ones; what cannot continue is refused.
import assert from 'node:assert/strict';
import { readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodeNpyInt32 } from '../../src/util/npy.js';
import { cliInProcess, makeTempDir, ROOT, smallLecture, withoutTiming, writeExperiment } from '../run-helpers.js';

const runOf = (out: string, name: string) => join(out, name, readlinkSync(join(out, name, 'latest')));
const json = (path: string) => JSON.parse(readFileSync(path, 'utf8'));

describe('run --resume RUN_DIR --epochs N: a finished run trains on', function () {
  this.timeout(180000);
  const dir = makeTempDir();
  const run = (args: string[]) => cliInProcess([...args, '--quiet', '--no-report', '--workers', '0']);

  it('equals a fresh longer run on every non-timing field; seconds add up; finishedAt is the last part\'s', async () => {
    const yaml = smallLecture({ name: 'longer', extra: 'metrics: [loss, accuracy]' });
    const file = writeExperiment(dir, 'longer', yaml.replace('batchSize: 50}', 'batchSize: 50, earlyStopping: {patience: 10}}'));
    assert.equal((await run(['run', file, '--out', join(dir, 'fresh'), '--epochs', '4'])).code, 0);
    const short = await run(['run', file, '--out', join(dir, 'short')]);
    assert.equal(short.code, 0, short.stderr);
    const runDir = runOf(join(dir, 'short'), 'longer');
    const before = json(join(runDir, 'metrics.json'));
    const longer = await run(['run', '--resume', runDir, '--epochs', '4']);
    assert.equal(longer.code, 0, longer.stderr);
    const after = json(join(runDir, 'metrics.json'));
    const fresh = json(join(runOf(join(dir, 'fresh'), 'longer'), 'metrics.json'));
    assert.deepEqual(withoutTiming(after), withoutTiming(fresh));
    assert.deepEqual(after.trials.map((t: { epochs: unknown[] }) => t.epochs.length), [4, 4, 4]);
    assert.equal(after.status, 'ok');
    assert.ok(after.seconds > before.seconds, `${after.seconds} adds the second part to ${before.seconds}`);
    assert.ok(after.finishedAt > before.finishedAt);
    assert.equal(after.startedAt, before.startedAt);
    assert.equal(json(join(runDir, 'plan.json')).config.training.epochs, 4);
    const starts = readFileSync(join(runDir, 'events.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l)).filter((e) => e.type === 'trialStart' && e.resumedFrom !== undefined);
    assert.deepEqual(starts.map((e) => e.resumedFrom), [2, 2, 2]);
    // The final weights are the longer run's.
    assert.equal(json(join(runDir, 'weights', 'adam', 'seed-0', 'weights.json')).meta.epoch, 4);
  });

  it('refuses a schedule whose length the run fixed (oneCycle without totalSteps), fewer epochs, and a batch order too short; nothing changes', async () => {
    const yaml = smallLecture({ name: 'cycle', optimizers: '  - {type: sgd, lr: 0.05, schedule: {type: oneCycle}}', epochs: 1 });
    const out = join(dir, 'cycle');
    assert.equal((await run(['run', writeExperiment(dir, 'cycle', yaml), '--out', out])).code, 0);
    const runDir = runOf(out, 'cycle');
    const plan = readFileSync(join(runDir, 'plan.json'), 'utf8');
    const refused = await run(['run', '--resume', runDir, '--epochs', '3']);
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /--epochs 3: optimizer 'sgd' cannot train on: its schedule oneCycle has a length the run fixed: its totalSteps defaults to the run's length/);
    const fewer = await run(['run', '--resume', runDir, '--epochs', '0']);
    assert.match(fewer.stderr, /--epochs must be a whole number from 1 to 100000 \(got '0'\)/);
    assert.equal(readFileSync(join(runDir, 'plan.json'), 'utf8'), plan);

    const replay = readFileSync(join(ROOT, 'examples', 'replay-torch', 'replay.yaml'), 'utf8').replace(/\.\.\/\.\.\//g, `${ROOT}/`);
    const replayFile = join(dir, 'replay.yaml');
    writeFileSync(replayFile, replay);
    assert.equal((await run(['run', replayFile, '--out', join(dir, 'replay')])).code, 0);
    const replayDir = runOf(join(dir, 'replay'), 'replay-torch');
    const shorter = await run(['run', '--resume', replayDir, '--epochs', '2']);
    assert.match(shorter.stderr, /--epochs 2: the run has 3 epochs; --resume --epochs trains a run on to a later epoch, it does not shorten one/);
    const beyond = await run(['run', '--resume', replayDir, '--epochs', '4']);
    assert.equal(beyond.code, 2);
    assert.match(beyond.stderr, /--epochs 4: training\.order cannot drive the longer run: .*order\.npy: a batch order must be \[epochs, trainSize\] = \[4, 240\]/);
  });

  it('records the files it trains from by SHA-256 and refuses to continue once one changed', async () => {
    const order = join(dir, 'order.npy');
    const rows = (shift: number) => Array.from({ length: 4 * 300 }, (_, i) => (i + shift) % 300);
    writeFileSync(order, encodeNpyInt32(rows(0), [4, 300]));
    const yaml = smallLecture({ name: 'ordered', optimizers: '  - {type: adam}' }).replace('batchSize: 50}', `batchSize: 50, order: ${order}}`);
    const out = join(dir, 'ordered');
    assert.equal((await run(['run', writeExperiment(dir, 'ordered', yaml), '--out', out])).code, 0);
    const runDir = runOf(out, 'ordered');
    const recorded = json(join(runDir, 'plan.json')).inputs['training.order'];
    assert.equal(recorded.file, order);
    assert.match(recorded.sha256, /^[0-9a-f]{64}$/);
    writeFileSync(order, encodeNpyInt32(rows(7), [4, 300]));
    const refused = await run(['run', '--resume', runDir, '--epochs', '4']);
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /training\.order \(.*order\.npy\) changed since the run began \(sha256 [0-9a-f]{12}…, now [0-9a-f]{12}…\): the run would mix two inputs/);
    writeFileSync(order, encodeNpyInt32(rows(0), [4, 300]));
    assert.equal((await run(['run', '--resume', runDir, '--epochs', '4'])).code, 0);
  });
});

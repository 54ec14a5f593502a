import assert from 'node:assert/strict';
import { foldEvents, type RunHeader } from '../../src/run-log/fold.js';
import { recoverRun, recoverTrial } from '../../src/runner/recover.js';
import { stamp, type EpochRecord, type RunEvent, type RunEventInput, type TrialResult } from '../../src/run-log/types.js';

const header: RunHeader = { experiment: { name: 'e', description: '', file: '/e.yaml' }, trials: [{ id: 'a/seed-0', name: 'A', optimizer: { name: 'A', type: 'sgd' }, seed: 0 }] };
const record = (epoch: number): EpochRecord => ({ epoch, trainLoss: 1 / epoch, testLoss: 1, testAccuracy: 0.5, lr: 0.1, seconds: 0.5, cumulativeSeconds: epoch / 2, steps: 3 * epoch });
const logged = (inputs: RunEventInput[]) => {
  const events: RunEvent[] = inputs.map(stamp);
  return { events, trial: foldEvents(header, events).trials[0]! };
};
const start: RunEventInput = { type: 'trialStart', trialId: 'a/seed-0', name: 'A', seed: 0 };
const epochEnd = (n: number): RunEventInput => ({ type: 'epochEnd', trialId: 'a/seed-0', ...record(n) });
const result = (over: Partial<TrialResult> = {}): TrialResult => ({ id: 'a/seed-0', status: 'ok', epochs: [1, 2, 3].map(record), ...over });

/** The fold of the log followed by the recovery equals the record. */
function assertRecovered(inputs: RunEventInput[], rec: { result?: TrialResult; checkpointEpochs?: EpochRecord[] }) {
  const { events, trial } = logged(inputs);
  const out = recoverTrial(trial, rec);
  const after = foldEvents(header, [...events, ...out.events.map(stamp)]).trials[0]!;
  const want = rec.result?.epochs ?? rec.checkpointEpochs!;
  assert.deepEqual(after.epochs, want);
  if (rec.result) {
    assert.equal(after.status, rec.result.status);
    assert.equal(after.error, rec.result.error);
  }
  assert.ok(out.events.every((e) => 'recovered' in e && e.recovered === true), 'every event it adds says it was recovered');
  return out;
}

describe('runner/recover', () => {
  it('adds nothing to a log that agrees with the record', () => {
    const { trial } = logged([start, epochEnd(1), epochEnd(2), epochEnd(3), { type: 'trialEnd', trialId: 'a/seed-0', status: 'ok', epochs: 3 }]);
    assert.deepEqual(recoverTrial(trial, { result: result() }).events, []);
    const { trial: partial } = logged([start, epochEnd(1), epochEnd(2)]);
    assert.deepEqual(recoverTrial(partial, { checkpointEpochs: [1, 2].map(record) }).events, []);
  });

  it('a kill between a checkpoint and its epochEnd: the epoch comes back from the checkpoint', () => {
    const out = assertRecovered([start, epochEnd(1)], { checkpointEpochs: [1, 2].map(record) });
    assert.deepEqual(out.events.map((e) => e.type), ['epochEnd']);
  });

  it('a kill between result.json and trialEnd: a diverged trial comes back diverged, not ok', () => {
    const diverged = result({ status: 'diverged', error: 'training loss became NaN at epoch 3' });
    const out = assertRecovered([start, epochEnd(1), epochEnd(2)], { result: diverged });
    assert.deepEqual(out.events.map((e) => e.type), ['epochEnd', 'trialEnd']);
    assert.match(out.note!, /recovered 1 epoch the log lacked, its ending \(diverged\) from its result\.json/);
  });

  it('a deleted log: everything the record holds comes back', () => {
    assertRecovered([], { result: result({ stoppedEarly: { epoch: 3, bestEpoch: 2, metric: 'testLoss', best: 0.5 }, restoredBest: { epoch: 2, testLoss: 0.5 } }) });
    assertRecovered([], { checkpointEpochs: [1, 2].map(record) });
  });

  it('a damaged epoch in the middle is replaced by the record, and so is what follows it', () => {
    const bad: RunEventInput = { ...epochEnd(2), trainLoss: 99 } as RunEventInput;
    assertRecovered([start, epochEnd(1), bad, epochEnd(3), { type: 'trialEnd', trialId: 'a/seed-0', status: 'ok', epochs: 3 }], { result: result() });
  });

  it('logged epochs past a finished record are dropped', () => {
    const out = assertRecovered([start, epochEnd(1), epochEnd(2), epochEnd(3), epochEnd(4)], { result: result() });
    assert.deepEqual(out.events.map((e) => e.type), ['trialStart', 'trialEnd']);
  });

  it('recoverRun gathers every trial, with a note for each it changed', () => {
    const { trial } = logged([start]);
    const out = recoverRun({ ...foldEvents(header, []), trials: [trial] }, new Map([['a/seed-0', { result: result() }]]));
    assert.equal(out.notes.length, 1);
    assert.equal(out.events.at(-1)!.type, 'trialEnd');
  });
});

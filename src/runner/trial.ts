import type { Registries } from '../registry/index.js';
import type { LoadedData, MetricRuntime, TF, Tensor } from '../registry/kinds.js';
import type { Plan, Trial } from '../config/plan.js';
import { permutation, Random } from '../util/random.js';
import { BatchMaker, evaluationBatches } from './batches.js';
import { buildModel, type Model } from './model.js';
import type { EpochRecord, RunEventInput, TrialResult } from './events.js';

export interface TrialContext {
  tf: TF;
  registries: Registries;
  plan: Plan;
  trial: Trial;
  data: LoadedData;
  emit(event: RunEventInput): void;
}

/** Independent PRNG streams of one seed: every optimizer of the seed draws the same numbers. */
export function seedStreams(seed: number): { init: Random; order: Random; dropout: Random } {
  const root = new Random(seed);
  return { init: root.fork(1), order: root.fork(2), dropout: root.fork(3) };
}

const now = () => performance.now() / 1000;

const inOrder = (n: number): Uint32Array => Uint32Array.from({ length: n }, (_, i) => i);

/**
 * Trains one trial: per epoch the running mean of the training loss, then the metrics over the
 * whole test set. The loss is accumulated on the backend and read once per epoch (or every
 * logEvery steps), because reading it back each step stalls the pipeline.
 */
export async function runTrial(ctx: TrialContext): Promise<TrialResult> {
  const { tf, registries, plan, trial, data, emit } = ctx;
  const { config } = plan;
  const { training } = config;
  const result: TrialResult = { id: trial.id, status: 'ok', epochs: [] };
  const disposables: { dispose(): void }[] = [];
  let model: Model | undefined;
  emit({ type: 'trialStart', trialId: trial.id, name: trial.name, seed: trial.seed });
  try {
    const streams = seedStreams(trial.seed);
    model = buildModel(tf, config.model.layers, registries, data.facts.sampleShape, streams.init);
    const { type: lossType, ...lossParams } = config.loss;
    const lossPlugin = registries.losses.get(lossType);
    const loss = lossPlugin.create(lossParams, { tf });
    const { type: optimizerType, name: _name, ...optimizerParams } = trial.optimizer;
    const optimizer = registries.optimizers.get(optimizerType).create(optimizerParams, { tf });
    disposables.push(optimizer);
    const metrics: { key: string; runtime: MetricRuntime }[] = config.metrics.map(({ type, ...params }) => {
      const plugin = registries.metrics.get(type);
      return { key: plugin.key, runtime: plugin.create(params, { tf, loss }) };
    });
    const classes = data.facts.classes;
    const targetOf = (labels: Tensor): Tensor => (lossPlugin.target === 'class' ? labels : tf.oneHot(labels, classes).toFloat());
    const lr = Number(trial.optimizer.lr);

    const trainBatches = new BatchMaker(tf, data.train, data.facts.sampleShape, training.batchSize);
    const testBatches = evaluationBatches(tf, data.test, data.facts.sampleShape, training.evalBatchSize);
    disposables.push(...testBatches.flatMap((b) => [b.x, b.labels]));
    const variables = model.variables;
    const m = model;

    let steps = 0;
    let cumulativeSeconds = 0;
    for (let epoch = 1; epoch <= training.epochs; epoch++) {
      const started = now();
      const order = training.shuffle ? permutation(data.train.count, streams.order) : inOrder(data.train.count);
      let lossSum: Tensor = tf.scalar(0);
      let batches = 0;
      for (let start = 0; start < data.train.count; start += training.batchSize) {
        const n = Math.min(training.batchSize, data.train.count - start);
        const batch = trainBatches.make(order, start, n);
        const batchLoss = tf.tidy(() => {
          const target = targetOf(batch.labels);
          const { value, grads } = tf.variableGrads(() => loss(m.apply(batch.x, true), target), variables);
          optimizer.step(variables, variables.map((v) => grads[v.name]), lr);
          return value;
        });
        tf.dispose([batch.x, batch.labels]);
        const nextSum = tf.add(lossSum, batchLoss);
        tf.dispose([lossSum]);
        lossSum = nextSum;
        steps++;
        batches++;
        if (training.logEvery > 0 && steps % training.logEvery === 0) {
          emit({ type: 'step', trialId: trial.id, step: steps, epoch, loss: (await batchLoss.data())[0] });
        }
        batchLoss.dispose();
      }
      const trainLoss = (await lossSum.data())[0] / batches;
      lossSum.dispose();

      const sums: Tensor[] = metrics.map(() => tf.scalar(0));
      for (const batch of testBatches) {
        tf.tidy(() => {
          const output = m.apply(batch.x, false);
          const target = targetOf(batch.labels);
          metrics.forEach((metric, i) => {
            const next = tf.keep(tf.add(sums[i], metric.runtime.batchSum(output, target, batch.labels)));
            sums[i].dispose();
            sums[i] = next;
          });
        });
      }
      const values = await Promise.all(sums.map(async (s) => (await s.data())[0] / data.test.count));
      tf.dispose(sums);

      const seconds = now() - started;
      cumulativeSeconds += seconds;
      const record: EpochRecord = { epoch, trainLoss, lr, seconds, cumulativeSeconds, steps };
      // Metric plugins name their own fields (testLoss, testAccuracy, ...).
      metrics.forEach((metric, i) => ((record as unknown as Record<string, number>)[metric.key] = values[i]));
      result.epochs.push(record);
      emit({ type: 'epochEnd', trialId: trial.id, ...record });

      const divergedBy = !Number.isFinite(trainLoss)
        ? `training loss became ${trainLoss}`
        : training.divergeAbove !== undefined && trainLoss > training.divergeAbove
          ? `training loss ${trainLoss} exceeded divergeAbove (${training.divergeAbove})`
          : undefined;
      if (divergedBy) {
        result.status = 'diverged';
        result.error = `${divergedBy} at epoch ${epoch}`;
        break;
      }
    }
  } catch (error) {
    result.status = 'failed';
    result.error = error instanceof Error ? error.message : String(error);
    if (process.env.TRAINYARD_DEBUG) console.error(error);
    emit({ type: 'trialFailed', trialId: trial.id, error: result.error });
  } finally {
    model?.dispose();
    disposables.forEach((d) => d.dispose());
  }
  emit({ type: 'trialEnd', trialId: trial.id, status: result.status, ...(result.error && result.status !== 'failed' ? { reason: result.error } : {}), epochs: result.epochs.length });
  return result;
}

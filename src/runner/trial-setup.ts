// Everything one trial trains with, made from the plan: the model (initial weights from the
// seed), loss and metrics, optimizer, schedule, early stopping, and the batches of each split.
import type { Registries } from '../registry/index.js';
import { figureName, type LoadedData, type LossFn, type MetricSplit, type OptimizerRuntime, type ScheduleRuntime, type TF, type Tensor } from '../registry/kinds.js';
import { trialConfig, type Plan, type Trial } from '../config/plan.js';
import { createSchedule } from '../registry/schedules/create.js';
import { Random } from '../util/random.js';
import { BatchMaker, SplitBatches, type Batch } from './batches.js';
import { buildModel, type Model } from './model.js';
import { confusionOf, evaluate, scoring, type Metric } from './evaluate.js';
import type { Confusion } from '../run-log/types.js';
import { gridPng } from './sample-grid.js';
import { EarlyStopper } from './early-stopping.js';
import type { TrialParts } from './trial-state.js';
import { loadInitialWeights } from './torch-weights.js';
import { readBatchOrder } from '../util/batch-order.js';
import { rowValues } from '../util/split-values.js';
import { dirname, resolve } from 'node:path';

/** Independent PRNG streams of one seed: every optimizer of the seed draws the same numbers. */
export function seedStreams(seed: number): { init: Random; order: Random } {
  const root = new Random(seed);
  // init also seeds dropout masks (layers draw from it after building), so both belong to the model.
  return { init: root.fork(1), order: root.fork(2) };
}

export interface TrialSession extends TrialParts {
  /** The batch order of each epoch from training.order, when the experiment gives one. */
  order?: Uint32Array[];
  model: Model;
  loss: LossFn;
  targetOf: (b: Batch) => Tensor;
  stepsPerEpoch: number;
  trainBatches: BatchMaker;
  streams: { init: Random; order: Random };
  optimizer: OptimizerRuntime;
  schedule: ScheduleRuntime;
  /** The test and validation figures of the model as it is now (testLoss, testAccuracy, valLoss, ...). */
  measure(): Promise<Record<string, number>>;
  /** A reconstruction grid of the model as it is now (PNG), or undefined where the experiment makes none. */
  sampleGrid(): Promise<Buffer | undefined>;
  /** A classifier's confusion on the test set as it is now; undefined for another task. */
  confusion(): Promise<Confusion | undefined>;
  dispose(): void;
}

/** A path the experiment file names, relative to it. */
const fromExperiment = (plan: Plan, path: string) => resolve(dirname(plan.experiment.file), path);

/** Builds a trial's parts; on failure, frees whatever was made before rethrowing. */
export async function setUpTrial(tf: TF, registries: Registries, plan: Plan, trial: Trial, data: LoadedData): Promise<TrialSession> {
  // A sweep point gives the trial its own config (batch size, layer widths, ...).
  const config = trialConfig(plan.config, trial);
  const { training } = config;
  const disposables: { dispose(): void }[] = [];
  try {
    const streams = seedStreams(trial.seed);
    const model = buildModel(tf, config.model.layers, registries, data.facts.sampleShape, streams.init);
    disposables.push(model);
    const init = config.model.init?.weights;
    if (init) await loadInitialWeights(tf, model, config.model.layers, registries, data.facts.sampleShape, fromExperiment(plan, init));
    const order = training.order ? await readBatchOrder(fromExperiment(plan, training.order), training.epochs, data.train.count) : undefined;
    const { loss, metrics, targetOf } = scoring(tf, registries, config, data.facts);
    const { type: optimizerType, name: _name, schedule: scheduleSpec, ...optimizerParams } = trial.optimizer;
    const optimizer = registries.optimizers.get(optimizerType).create(optimizerParams, { tf });
    disposables.push(optimizer);
    const stepsPerEpoch = Math.ceil(data.train.count / training.batchSize);
    const schedule = createSchedule(registries, scheduleSpec, { baseLr: Number(trial.optimizer.lr), epochs: training.epochs, stepsPerEpoch });
    const stopper = training.earlyStopping ? new EarlyStopper(training.earlyStopping) : undefined;
    const trainBatches = new BatchMaker(tf, data.train, data.facts.sampleShape, training.batchSize);
    const testBatches = new SplitBatches(tf, data.test, data.facts.sampleShape, training.evalBatchSize);
    const validationBatches = data.validation ? new SplitBatches(tf, data.validation, data.facts.sampleShape, training.evalBatchSize) : [];
    const figures = async (batches: Iterable<Batch>, count: number, split: MetricSplit, out: Record<string, number>) => {
      const values = await evaluate(tf, model, batches, count, metrics, targetOf);
      metrics.forEach((metric: Metric, i) => (out[figureName(split, metric.key)] = values[i]!));
    };
    return {
      tf,
      model,
      variables: model.variables,
      trainable: model.trainable,
      ...(order ? { order } : {}),
      state: model.state,
      loss,
      targetOf,
      optimizer,
      schedule,
      stopper,
      streams,
      stepsPerEpoch,
      trainBatches,
      async measure() {
        const out: Record<string, number> = {};
        await figures(testBatches, data.test.count, 'test', out);
        if (data.validation) await figures(validationBatches, data.validation.count, 'val', out);
        return out;
      },
      sampleGrid: async () => {
        const images = Math.min(training.samples?.images ?? 8, data.test.count);
        const shape = data.facts.imageShape ?? data.facts.sampleShape;
        if (config.task !== 'reconstruction' || images === 0 || !data.test.target || shape.length < 2) return undefined;
        const x = rowValues(data.test, 0, images);
        const output = tf.tidy(() => model.apply(tf.tensor(x, [images, ...data.facts.sampleShape]), false));
        const reconstructed = Float32Array.from(await output.data());
        output.dispose();
        return gridPng([x, reconstructed, data.test.target.slice(0, images * (data.test.target.length / data.test.count))], images, shape);
      },
      confusion: async () => ((config.task ?? 'classification') === 'classification' ? confusionOf(tf, model, testBatches, data.facts.classes) : undefined),
      dispose: () => disposables.forEach((d) => d.dispose()),
    };
  } catch (error) {
    disposables.forEach((d) => d.dispose());
    throw error;
  }
}

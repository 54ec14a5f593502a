import type { Registries } from '../registry/index.js';
import type { LoadedData, TF, Tensor, Variable } from '../registry/kinds.js';
import type { Plan, Trial } from '../config/plan.js';
import { permutation, Random } from '../util/random.js';
import { BatchMaker, disposeBatch, fixedBatches } from './batches.js';
import { buildModel, type Model } from './model.js';
import { evaluate, scoring } from './evaluate.js';
import { clipGradients } from './clip.js';
import { EarlyStopper } from './early-stopping.js';
import { createSchedule } from '../registry/schedules/create.js';
import { loadCheckpoint, saveCheckpoint, saveResult } from './checkpoint.js';
import { captureState, restoreState, saveFinalWeights, type TrialParts } from './trial-state.js';
import type { EpochRecord, RunEventInput, TrialResult } from './events.js';

export interface TrialContext {
  tf: TF;
  registries: Registries;
  plan: Plan;
  trial: Trial;
  data: LoadedData;
  emit(event: RunEventInput): void;
  /** The run directory: when given, the trial checkpoints every epoch and saves its final weights. */
  runDir?: string;
  /** Continue from the trial's newest checkpoint, if it has one. */
  resume?: boolean;
  /** Polled every step: true asks the trial to stop now (SIGINT); it ends 'interrupted'. */
  shouldStop?: () => boolean;
}

class Interrupted extends Error {}

/** Independent PRNG streams of one seed: every optimizer of the seed draws the same numbers. */
export function seedStreams(seed: number): { init: Random; order: Random } {
  const root = new Random(seed);
  // init also seeds dropout masks (layers draw from it after building), so both belong to the model.
  return { init: root.fork(1), order: root.fork(2) };
}

const now = () => performance.now() / 1000;
const inOrder = (n: number): Uint32Array => Uint32Array.from({ length: n }, (_, i) => i);

/** Why the loss means the trial diverged, if it does. */
function divergence(trainLoss: number, divergeAbove: number | undefined): string | undefined {
  if (!Number.isFinite(trainLoss)) return `training loss became ${trainLoss}`;
  if (divergeAbove !== undefined && trainLoss > divergeAbove) return `training loss ${trainLoss} exceeded divergeAbove (${divergeAbove})`;
  return undefined;
}

/**
 * Trains one trial: per epoch the running mean of the training loss, then the metrics over the
 * whole test set (and validation set). The loss is accumulated on the backend and read once per
 * epoch (or every logEvery steps), because reading it back each step stalls the pipeline.
 */
export async function runTrial(ctx: TrialContext): Promise<TrialResult> {
  const { tf, registries, plan, trial, data, emit } = ctx;
  const { config } = plan;
  const { training } = config;
  const result: TrialResult = { id: trial.id, status: 'ok', epochs: [] };
  const disposables: { dispose(): void }[] = [];
  let model: Model | undefined;
  let best: Tensor[] | undefined;
  let started = false;
  try {
    const streams = seedStreams(trial.seed);
    const m = (model = buildModel(tf, config.model.layers, registries, data.facts.sampleShape, streams.init));
    const variables = m.variables;
    const { loss, metrics, targetOf } = scoring(tf, registries, config, data.facts.classes);
    const { type: optimizerType, name: _name, schedule: scheduleSpec, ...optimizerParams } = trial.optimizer;
    const optimizer = registries.optimizers.get(optimizerType).create(optimizerParams, { tf });
    disposables.push(optimizer);
    const stepsPerEpoch = Math.ceil(data.train.count / training.batchSize);
    const schedule = createSchedule(registries, scheduleSpec, { baseLr: Number(trial.optimizer.lr), epochs: training.epochs, stepsPerEpoch });
    const stopper = training.earlyStopping ? new EarlyStopper(training.earlyStopping) : undefined;

    const trainBatches = new BatchMaker(tf, data.train, data.facts.sampleShape, training.batchSize);
    const testBatches = fixedBatches(tf, data.test, data.facts.sampleShape, training.evalBatchSize);
    const validationBatches = data.validation ? fixedBatches(tf, data.validation, data.facts.sampleShape, training.evalBatchSize) : [];
    disposables.push(...[...testBatches, ...validationBatches].map((b) => ({ dispose: () => disposeBatch(tf, b) })));
    const measure = async (): Promise<Record<string, number>> => {
      const figures: Record<string, number> = {};
      const test = await evaluate(tf, m, testBatches, data.test.count, metrics, targetOf);
      metrics.forEach((metric, i) => (figures[metric.key] = test[i]));
      if (data.validation) {
        const validation = await evaluate(tf, m, validationBatches, data.validation.count, metrics, targetOf);
        metrics.forEach((metric, i) => (figures[metric.key.replace(/^test/, 'val')] = validation[i]));
      }
      return figures;
    };

    const parts: TrialParts = { tf, variables, optimizer, schedule, streams, stopper };
    let steps = 0;
    let cumulativeSeconds = 0;
    let firstEpoch = 1;
    const checkpoint = ctx.resume && ctx.runDir ? await loadCheckpoint(ctx.runDir, trial.id) : undefined;
    if (checkpoint) {
      best = restoreState(parts, checkpoint);
      ({ steps, cumulativeSeconds } = checkpoint);
      result.epochs = [...checkpoint.epochs];
      firstEpoch = checkpoint.epoch + 1;
    }
    emit({ type: 'trialStart', trialId: trial.id, name: trial.name, seed: trial.seed, ...(checkpoint ? { resumedFrom: checkpoint.epoch } : {}) });
    started = true;
    for (let epoch = firstEpoch; epoch <= training.epochs; epoch++) {
      const started = now();
      const epochLr = schedule.lr();
      const order = training.shuffle ? permutation(data.train.count, streams.order) : inOrder(data.train.count);
      let lossSum: Tensor = tf.scalar(0);
      let batches = 0;
      for (let start = 0; start < data.train.count; start += training.batchSize) {
        if (ctx.shouldStop?.()) throw new Interrupted();
        const batch = trainBatches.make(order, start, Math.min(training.batchSize, data.train.count - start));
        const lr = schedule.lr();
        const batchLoss = tf.tidy(() => {
          const target = targetOf(batch);
          const { value, grads } = tf.variableGrads(() => loss(m.apply(batch.x, true), target), variables);
          optimizer.step(variables, clipGradients(tf, variables.map((v) => grads[v.name]), training), lr);
          return value;
        });
        disposeBatch(tf, batch);
        const nextSum = tf.add(lossSum, batchLoss);
        tf.dispose([lossSum]);
        lossSum = nextSum;
        steps++;
        batches++;
        if (schedule.interval === 'step') schedule.advance();
        if (training.logEvery > 0 && steps % training.logEvery === 0) {
          emit({ type: 'step', trialId: trial.id, step: steps, epoch, loss: (await batchLoss.data())[0], lr });
        }
        batchLoss.dispose();
      }
      const trainLoss = (await lossSum.data())[0] / batches;
      lossSum.dispose();
      const figures = await measure();
      const seconds = now() - started;
      cumulativeSeconds += seconds;
      const record = { epoch, trainLoss, ...figures, lr: epochLr, seconds, cumulativeSeconds, steps } as EpochRecord;
      result.epochs.push(record);
      emit({ type: 'epochEnd', trialId: trial.id, ...record });
      if (schedule.interval === 'epoch') schedule.advance({ trainLoss, ...figures });

      const diverged = divergence(trainLoss, training.divergeAbove);
      if (diverged) {
        result.status = 'diverged';
        result.error = `${diverged} at epoch ${epoch}`;
        break;
      }
      if (stopper) {
        const watched = (record as unknown as Record<string, number>)[stopper.options.metric];
        if (stopper.improved(epoch, watched) && stopper.options.restoreBest) {
          tf.dispose(best ?? []);
          best = variables.map((v) => tf.keep(v.clone()));
        }
        if (stopper.shouldStop && epoch < training.epochs) {
          result.stoppedEarly = { epoch, bestEpoch: stopper.bestEpoch, metric: stopper.options.metric, best: stopper.best };
          break;
        }
      }
      // Only a trial that goes on needs a checkpoint; one that stops here is decided again on resume.
      if (ctx.runDir && epoch < training.epochs) {
        await saveCheckpoint(ctx.runDir, trial.id, await captureState(parts, { epoch, steps, cumulativeSeconds, epochs: result.epochs }, best));
      }
    }
    if (best && stopper) {
      best.forEach((b, i) => (variables[i] as Variable).assign(b));
      result.restoredBest = { epoch: stopper.bestEpoch, ...(await measure()) };
    }
    if (ctx.runDir) {
      const epoch = result.restoredBest?.epoch ?? result.epochs.length;
      await saveFinalWeights(ctx.runDir, { trialId: trial.id, epoch, layers: config.model.layers, sampleShape: data.facts.sampleShape }, variables);
    }
  } catch (error) {
    if (error instanceof Interrupted) {
      result.status = 'interrupted';
    } else {
      result.status = 'failed';
      result.error = error instanceof Error ? error.message : String(error);
      if (process.env.TRAINYARD_DEBUG) console.error(error);
      // A trial that failed while being set up still starts before it ends, for the event stream's readers.
      if (!started) emit({ type: 'trialStart', trialId: trial.id, name: trial.name, seed: trial.seed });
      emit({ type: 'trialFailed', trialId: trial.id, error: result.error });
    }
  } finally {
    model?.dispose();
    tf.dispose(best ?? []);
    disposables.forEach((d) => d.dispose());
  }
  // A finished trial is skipped on resume; an interrupted or failed one runs again from its checkpoint.
  if (ctx.runDir && (result.status === 'ok' || result.status === 'diverged')) await saveResult(ctx.runDir, result);
  emit({
    type: 'trialEnd',
    trialId: trial.id,
    status: result.status,
    ...(result.error && result.status !== 'failed' ? { reason: result.error } : {}),
    ...(result.stoppedEarly ? { stoppedEarly: result.stoppedEarly } : {}),
    ...(result.restoredBest ? { restoredBest: result.restoredBest } : {}),
    epochs: result.epochs.length,
  });
  return result;
}

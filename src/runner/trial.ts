import type { Registries } from '../registry/index.js';
import type { LoadedData, TF, Tensor, Variable } from '../registry/kinds.js';
import { trialConfig, type Plan, type Trial } from '../config/plan.js';
import type { EpochRecord, RunEventInput, TrialResult } from '../run-log/types.js';
import { failpoint } from '../util/failpoint.js';
import { permutation } from '../util/random.js';
import { disposeBatch } from './batches.js';
import { clipGradients } from './clip.js';
import { captureState, namedTensors, restoreState, weightsOf } from './trial-state.js';
import { setUpTrial, type TrialSession } from './trial-setup.js';
import type { TrialStore } from './store.js';
import { torchStateDict } from './torch-weights.js';
import { torchLayout, unmappedProblem } from '../registry/torch-layout.js';

export { seedStreams } from './trial-setup.js';

export interface TrialContext {
  tf: TF;
  registries: Registries;
  plan: Plan;
  trial: Trial;
  data: LoadedData;
  emit(event: RunEventInput): void;
  /** Where the trial checkpoints every epoch and keeps its result and final weights; none: it keeps nothing. */
  store?: TrialStore;
  /** Continue from the trial's newest checkpoint, if it has one. */
  resume?: boolean;
  /** The backend's name, as the trial's start records it. */
  backend?: string;
  /** Polled every step: true asks the trial to stop now (SIGINT); it ends 'interrupted'. */
  shouldStop?: () => boolean;
}

class Interrupted extends Error {}

const now = () => performance.now() / 1000;
const inOrder = (n: number): Uint32Array => Uint32Array.from({ length: n }, (_, i) => i);

/** Why the loss means the trial diverged, if it does. */
function divergence(trainLoss: number, divergeAbove: number | undefined): string | undefined {
  if (!Number.isFinite(trainLoss)) return `training loss became ${trainLoss}`;
  if (divergeAbove !== undefined && trainLoss > divergeAbove) return `training loss ${trainLoss} exceeded divergeAbove (${divergeAbove})`;
  return undefined;
}

/**
 * One epoch of training steps; returns the running mean of the loss and the steps taken. The loss
 * is summed on the backend and read once (or every logEvery steps): reading it each step stalls.
 */
async function trainEpoch(ctx: TrialContext, s: TrialSession, epoch: number, stepsBefore: number): Promise<{ trainLoss: number; steps: number }> {
  const { tf, data, trial } = ctx;
  const { training } = trialConfig(ctx.plan.config, trial);
  const order = s.order ? s.order[epoch - 1]! : training.shuffle ? permutation(data.train.count, s.streams.order) : inOrder(data.train.count);
  let lossSum: Tensor = tf.scalar(0);
  let batches = 0;
  let steps = stepsBefore;
  try {
    for (let start = 0; start < data.train.count; start += training.batchSize) {
      if (ctx.shouldStop?.()) throw new Interrupted();
      const batch = s.trainBatches.make(order, start, Math.min(training.batchSize, data.train.count - start));
      const lr = s.schedule.lr();
      const batchLoss = tf.tidy(() => {
        const target = s.targetOf(batch);
        const { value, grads } = tf.variableGrads(() => s.loss(s.model.apply(batch.x, true), target), s.trainable);
        s.optimizer.step(s.trainable, clipGradients(tf, s.trainable.map((v) => grads[v.name]!), training), lr);
        return value;
      });
      disposeBatch(tf, batch);
      const nextSum = tf.add(lossSum, batchLoss);
      lossSum.dispose();
      lossSum = nextSum;
      steps++;
      batches++;
      if (s.schedule.interval === 'step') s.schedule.advance();
      if (training.logEvery > 0 && steps % training.logEvery === 0) {
        ctx.emit({ type: 'step', trialId: trial.id, step: steps, epoch, loss: (await batchLoss.data())[0]!, lr });
      }
      batchLoss.dispose();
    }
    return { trainLoss: (await lossSum.data())[0]! / batches, steps };
  } finally {
    lossSum.dispose();
  }
}

/**
 * Trains one trial: per epoch the running mean of the training loss, then the metrics over the
 * whole test set (and validation set).
 *
 * Durability comes first: an epoch is reported (epochEnd) only once what resumes from it is in the
 * store (its checkpoint; for the last epoch, result.json), so a kill at any moment leaves a log
 * that never runs ahead of what can be resumed.
 */
export async function runTrial(ctx: TrialContext): Promise<TrialResult> {
  const { tf, registries, plan, trial, data, emit, store } = ctx;
  const config = trialConfig(plan.config, trial);
  const { training } = config;
  const result: TrialResult = { id: trial.id, status: 'ok', epochs: [] };
  let session: TrialSession | undefined;
  let best: Tensor[] | undefined;
  let started = false;
  /** The last epoch's record, reported once the trial's result is stored. */
  let last: EpochRecord | undefined;
  /** Epochs reported so far (each one stored before it was). */
  let reported = 0;
  const start = (resumedFrom?: number) => {
    emit({ type: 'trialStart', trialId: trial.id, name: trial.name, seed: trial.seed, ...(resumedFrom !== undefined ? { resumedFrom } : {}), ...(ctx.backend ? { backend: ctx.backend } : {}) });
    started = true;
  };
  try {
    const s = (session = await setUpTrial(tf, registries, plan, trial, data));
    let steps = 0;
    let cumulativeSeconds = 0;
    let firstEpoch = 1;
    const checkpoint = ctx.resume && store ? await store.loadCheckpoint(trial.id) : undefined;
    if (checkpoint) {
      best = restoreState(s, checkpoint);
      ({ steps, cumulativeSeconds } = checkpoint);
      result.epochs = [...checkpoint.epochs];
      reported = result.epochs.length;
      firstEpoch = checkpoint.epoch + 1;
    }
    start(ctx.resume ? (checkpoint?.epoch ?? 0) : undefined);
    for (let epoch = firstEpoch; epoch <= training.epochs; epoch++) {
      const began = now();
      const epochLr = s.schedule.lr();
      const trained = await trainEpoch(ctx, s, epoch, steps);
      steps = trained.steps;
      const figures = await s.measure();
      const every = training.samples?.every ?? 1;
      if (store?.saveSample && (epoch % every === 0 || epoch === training.epochs)) {
        const png = await s.sampleGrid();
        if (png) await store.saveSample(trial.id, epoch, png);
      }
      const seconds = now() - began;
      cumulativeSeconds += seconds;
      const record = { epoch, trainLoss: trained.trainLoss, ...figures, lr: epochLr, seconds, cumulativeSeconds, steps } as EpochRecord;
      result.epochs.push(record);
      if (s.schedule.interval === 'epoch') s.schedule.advance({ trainLoss: trained.trainLoss, ...figures });

      const diverged = divergence(trained.trainLoss, training.divergeAbove);
      if (diverged) {
        result.status = 'diverged';
        result.error = `${diverged} at epoch ${epoch}`;
      } else if (s.stopper) {
        const watched = (record as unknown as Record<string, number>)[s.stopper.options.metric];
        if (s.stopper.improved(epoch, watched) && s.stopper.options.restoreBest) {
          tf.dispose(best ?? []);
          best = weightsOf(s).map((v) => tf.keep(v.clone()));
        }
        if (s.stopper.shouldStop && epoch < training.epochs) {
          result.stoppedEarly = { epoch, bestEpoch: s.stopper.bestEpoch, metric: s.stopper.options.metric, best: s.stopper.best };
        }
      }
      const final = diverged !== undefined || result.stoppedEarly !== undefined || epoch === training.epochs;
      // The last epoch of a trial that ran its course is checkpointed too, optimizer state and all:
      // `run --resume RUN_DIR --epochs N` trains on from it. (A diverged or stopped trial ends for good.)
      const continuable = !final || (!diverged && !result.stoppedEarly);
      if (store && continuable) await store.saveCheckpoint(trial.id, await captureState(s, { epoch, steps, cumulativeSeconds, epochs: result.epochs }, best));
      if (final) {
        last = record;
        break;
      }
      if (store) failpoint('checkpoint');
      emit({ type: 'epochEnd', trialId: trial.id, ...record });
      reported++;
    }
    if (best && s.stopper) {
      const weights = weightsOf(s);
      best.forEach((b, i) => (weights[i] as Variable).assign(b));
      result.restoredBest = { epoch: s.stopper.bestEpoch, ...(await s.measure()) };
    }
    if (result.status === 'ok') {
      const confusion = await s.confusion();
      if (confusion) result.confusion = confusion;
    }
    if (store) {
      const epoch = result.restoredBest?.epoch ?? result.epochs.length;
      const { layers } = config.model;
      const { sampleShape } = data.facts;
      // A model with a layer that has no torch names keeps its weights in trainyard's bundle only.
      const torch = unmappedProblem(torchLayout(layers, registries, sampleShape)) ? undefined : await torchStateDict(s.model, layers, registries, sampleShape);
      await store.saveFinalWeights({ trialId: trial.id, epoch, layers, sampleShape }, [...(await namedTensors(s.variables)), ...(await namedTensors(s.state, 'state'))], torch);
      await store.saveResult(result);
      failpoint('result');
    }
    if (last) emit({ type: 'epochEnd', trialId: trial.id, ...last });
  } catch (error) {
    if (error instanceof Interrupted) {
      result.status = 'interrupted';
    } else {
      result.status = 'failed';
      result.error = error instanceof Error ? error.message : String(error);
      if (process.env.TRAINYARD_DEBUG) console.error(error);
      // A trial that failed while being set up still starts before it ends, for the event stream's readers.
      if (!started) start(ctx.resume ? 0 : undefined);
      emit({ type: 'trialFailed', trialId: trial.id, error: result.error });
    }
    // What was not stored is not reported: a resume trains it again.
    result.epochs = result.epochs.slice(0, reported);
  } finally {
    session?.dispose();
    tf.dispose(best ?? []);
  }
  emit({
    type: 'trialEnd',
    trialId: trial.id,
    status: result.status,
    ...(result.error && result.status !== 'failed' ? { reason: result.error } : {}),
    ...(result.stoppedEarly ? { stoppedEarly: result.stoppedEarly } : {}),
    ...(result.restoredBest ? { restoredBest: result.restoredBest } : {}),
    ...(result.confusion ? { confusion: result.confusion } : {}),
    epochs: result.epochs.length,
  });
  return result;
}

import { defineSchedule } from '../kinds.js';
import { asRecord, count, finite } from './common.js';

export interface ReduceOnPlateauParams {
  interval: 'epoch';
  metric: string;
  mode: 'min' | 'max';
  factor: number;
  patience: number;
  threshold: number;
  thresholdMode: 'rel' | 'abs';
  cooldown: number;
  minLr: number;
  eps: number;
}

interface PlateauState {
  lastEpoch: number;
  lr: number;
  /** Best figure so far; null before the first (torch: inf for min, -inf for max); an infinite best as a string (JSON has no Infinity). */
  best: number | 'Infinity' | '-Infinity' | null;
  numBadEpochs: number;
  cooldownCounter: number;
}

export default defineSchedule<ReduceOnPlateauParams>({
  type: 'reduceOnPlateau',
  summary: 'Multiplies the lr by factor when a watched figure stops improving, as torch.optim.lr_scheduler.ReduceLROnPlateau',
  params: {
    type: 'object',
    properties: {
      interval: { type: 'string', enum: ['epoch'], default: 'epoch', description: 'Advances after every epoch, fed that epoch\'s figures (the only choice)' },
      metric: {
        type: 'string',
        minLength: 1,
        default: 'testLoss',
        description: 'The epoch figure to watch, e.g. testLoss, trainLoss or testAccuracy (use mode max for accuracy)',
      },
      mode: { type: 'string', enum: ['min', 'max'], default: 'min', description: 'min: the figure should fall; max: it should rise' },
      factor: { type: 'number', exclusiveMinimum: 0, exclusiveMaximum: 1, default: 0.1, description: 'Factor the lr is multiplied by on a plateau' },
      patience: { type: 'integer', minimum: 0, default: 10, description: 'Epochs without improvement tolerated before the lr is reduced' },
      threshold: { type: 'number', minimum: 0, default: 1e-4, description: 'How much better than the best a figure must be to count as an improvement' },
      thresholdMode: {
        type: 'string',
        enum: ['rel', 'abs'],
        default: 'rel',
        description: 'rel: better than best × (1 ∓ threshold); abs: better than best ∓ threshold',
      },
      cooldown: { type: 'integer', minimum: 0, default: 0, description: 'Epochs after a reduction during which bad epochs are not counted' },
      minLr: { type: 'number', minimum: 0, default: 0, description: 'The lr is never reduced below this (torch min_lr)' },
      eps: { type: 'number', minimum: 0, default: 1e-8, description: 'A reduction smaller than this is skipped' },
    },
    additionalProperties: false,
  },
  create(p, ctx) {
    const { metric, mode, factor, patience, threshold, thresholdMode, cooldown, minLr, eps } = p;
    const worse = mode === 'min' ? Infinity : -Infinity;
    // torch ReduceLROnPlateau.is_better.
    const isBetter = (a: number, best: number): boolean => {
      if (mode === 'min' && thresholdMode === 'rel') return a < best * (1 - threshold);
      if (mode === 'min') return a < best - threshold;
      if (thresholdMode === 'rel') return a > best * (threshold + 1);
      return a > best + threshold;
    };
    let lastEpoch = 0;
    let lr = ctx.baseLr;
    let best = worse;
    let numBadEpochs = 0;
    let cooldownCounter = 0;
    return {
      interval: 'epoch',
      lr: () => lr,
      // torch ReduceLROnPlateau.step(metrics).
      advance(metrics) {
        const value = metrics?.[metric];
        if (typeof value !== 'number') {
          const have = metrics ? Object.keys(metrics).join(', ') || 'none' : 'none';
          throw new Error(`reduceOnPlateau: the epoch has no figure '${metric}' to watch (it has: ${have})`);
        }
        lastEpoch += 1;
        if (isBetter(value, best)) {
          best = value;
          numBadEpochs = 0;
        } else {
          numBadEpochs += 1;
        }
        if (cooldownCounter > 0) {
          cooldownCounter -= 1;
          numBadEpochs = 0;
        }
        if (numBadEpochs > patience) {
          const reduced = Math.max(lr * factor, minLr);
          if (lr - reduced > eps) lr = reduced;
          cooldownCounter = cooldown;
          numBadEpochs = 0;
        }
      },
      getState(): PlateauState {
        const bestOut = best === worse ? null : Number.isFinite(best) ? best : best > 0 ? 'Infinity' : '-Infinity';
        return { lastEpoch, lr, best: bestOut, numBadEpochs, cooldownCounter };
      },
      setState(s: unknown) {
        const o = asRecord('reduceOnPlateau', s);
        const restored = {
          lastEpoch: count('reduceOnPlateau', o, 'lastEpoch'),
          lr: finite('reduceOnPlateau', o, 'lr'),
          best: o.best === null ? worse : o.best === 'Infinity' ? Infinity : o.best === '-Infinity' ? -Infinity : finite('reduceOnPlateau', o, 'best'),
          numBadEpochs: count('reduceOnPlateau', o, 'numBadEpochs'),
          cooldownCounter: count('reduceOnPlateau', o, 'cooldownCounter'),
        };
        ({ lastEpoch, lr, best, numBadEpochs, cooldownCounter } = restored);
      },
    };
  },
});

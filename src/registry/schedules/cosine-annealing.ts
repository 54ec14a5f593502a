import { defineSchedule, type ScheduleInterval } from '../kinds.js';
import { chainable, intervalParam, pyMod } from './common.js';

export interface CosineAnnealingParams {
  interval: ScheduleInterval;
  tMax: number;
  etaMin: number;
}

export default defineSchedule<CosineAnnealingParams>({
  type: 'cosineAnnealing',
  summary: 'Cosine annealing from the lr to etaMin over tMax intervals (and back up after, as torch), as torch.optim.lr_scheduler.CosineAnnealingLR',
  params: {
    type: 'object',
    properties: {
      interval: intervalParam('epoch'),
      tMax: { type: 'integer', minimum: 1, description: 'Intervals from the lr down to etaMin (torch T_max); past it the lr rises again along the cosine' },
      etaMin: { type: 'number', minimum: 0, default: 0, description: 'Lowest lr (torch eta_min)' },
    },
    required: ['tMax'],
    additionalProperties: false,
  },
  create(p, ctx) {
    const { tMax, etaMin } = p;
    const base = ctx.baseLr;
    // torch CosineAnnealingLR.get_lr (the recursive form torch uses when stepped without an epoch).
    return chainable('cosineAnnealing', p.interval, base, (e, lr) => {
      if (e === 0) return lr;
      if (pyMod(e - 1 - tMax, 2 * tMax) === 0) return lr + ((base - etaMin) * (1 - Math.cos(Math.PI / tMax))) / 2;
      return ((1 + Math.cos((Math.PI * e) / tMax)) / (1 + Math.cos((Math.PI * (e - 1)) / tMax))) * (lr - etaMin) + etaMin;
    });
  },
});

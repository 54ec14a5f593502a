import { defineSchedule, type ScheduleInterval } from '../kinds.js';
import { chainable, intervalParam } from './common.js';

export interface ExponentialParams {
  interval: ScheduleInterval;
  gamma: number;
}

export default defineSchedule<ExponentialParams>({
  type: 'exponential',
  summary: 'Multiplies the lr by gamma every interval, as torch.optim.lr_scheduler.ExponentialLR',
  params: {
    type: 'object',
    properties: {
      interval: intervalParam('epoch'),
      gamma: { type: 'number', exclusiveMinimum: 0, description: 'Factor the lr is multiplied by every interval' },
    },
    required: ['gamma'],
    additionalProperties: false,
  },
  create(p, ctx) {
    // torch ExponentialLR.get_lr: lr at last_epoch 0, then lr * gamma.
    return chainable('exponential', p.interval, ctx.baseLr, (e, lr) => (e === 0 ? lr : lr * p.gamma));
  },
});

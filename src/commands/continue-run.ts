// `trainyard run --resume RUN_DIR --epochs N`: a finished run trained on to epoch N. Each trial
// that ran its course continues from its last epoch's checkpoint (weights, optimizer state, PRNG
// streams, schedule), so the result equals a fresh N-epoch run. What cannot continue is refused
// before anything is written: fewer epochs, a schedule whose length the run fixed, a batch order
// without rows for the new epochs.
import { dirname, resolve } from 'node:path';
import type { Plan } from '../config/plan.js';
import type { PluginSpec } from '../registry/kinds.js';
import { createSchedule } from '../registry/schedules/create.js';
import type { TrialResult } from '../run-log/types.js';
import { readBatchOrder } from '../util/batch-order.js';
import { UserError } from '../util/errors.js';
import type { OpenedRun } from './open-run.js';

/** Whether a finished trial trains on in a plan of `epochs` epochs: it ran its course and has epochs to go. */
export const continues = (result: TrialResult, epochs: number): boolean => result.status === 'ok' && !result.stoppedEarly && result.epochs.length < epochs;

function parseEpochs(text: string): number {
  if (!/^\d+$/.test(text) || Number(text) < 1 || Number(text) > 100000) throw new UserError(`--epochs must be a whole number from 1 to 100000 (got '${text}')`);
  return Number(text);
}

/** The schedule specs of an optimizer, its chain (linearWarmup's `then`) included. */
function scheduleChain(spec: PluginSpec | undefined): PluginSpec[] {
  const chain: PluginSpec[] = [];
  for (let s = spec; s; s = s.then as PluginSpec | undefined) chain.push(s);
  return chain;
}

/** The run with its plan lengthened to `--epochs N`, or the run itself when N is what it has. */
export async function continueRun(run: OpenedRun, epochsText: string): Promise<OpenedRun> {
  const epochs = parseEpochs(epochsText);
  const { plan, registries } = run;
  const before = plan.config.training.epochs;
  const flag = `--epochs ${epochs}`;
  if (epochs < before) throw new UserError(`${flag}: the run has ${before} epochs; --resume --epochs trains a run on to a later epoch, it does not shorten one (start a new run for fewer)`);
  if (epochs === before) return run;
  // A sweep point that sets a trial's length (or its batch order) would win over --epochs.
  const swept = plan.trials.flatMap((t) => Object.keys(t.point ?? {})).find((path) => /^training\.(epochs|order)\b/.test(path));
  if (swept) throw new UserError(`${flag}: the run's sweep sets ${swept} per trial, so one --epochs cannot lengthen its trials; start a new run with the longer sweep`);
  const stepsPerEpoch = Math.ceil(plan.data.trainSize / plan.config.training.batchSize);
  for (const optimizer of plan.config.optimizers) {
    for (const { type, ...params } of scheduleChain(optimizer.schedule)) {
      const why = registries.schedules.get(type).fixedByRun?.(params);
      if (why) throw new UserError(`${flag}: optimizer '${optimizer.name}' cannot train on: its schedule ${type} has a length the run fixed: ${why}`);
    }
    if (!optimizer.schedule) continue;
    try {
      createSchedule(registries, optimizer.schedule, { baseLr: Number(optimizer.lr), epochs, stepsPerEpoch });
    } catch (error) {
      throw new UserError(`${flag}: optimizer '${optimizer.name}' cannot train on: ${(error as Error).message}`);
    }
  }
  const order = plan.config.training.order;
  if (order !== undefined) {
    await readBatchOrder(resolve(dirname(plan.experiment.file), order), epochs, plan.data.trainSize).catch((error: Error) => {
      throw new UserError(`${flag}: training.order cannot drive the longer run: ${error.message}`);
    });
  }
  const config = { ...plan.config, training: { ...plan.config.training, epochs } };
  const longer: Plan = { ...plan, config, overrides: [...plan.overrides, `training.epochs=${epochs}`] };
  return { ...run, plan: longer, config };
}

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { UserError } from '../config/errors.js';
import { closestName } from '../util/suggest.js';
import { Random } from '../util/random.js';
import { loadExperimentData } from '../runner/data.js';
import { buildModel } from '../runner/model.js';
import { evaluate, scoring } from '../runner/evaluate.js';
import { fixedBatches, disposeBatch } from '../runner/batches.js';
import { readBundle } from '../runner/bundle.js';
import { finalWeightsDir, type WeightsMeta } from '../runner/trial-state.js';
import type { Metrics } from '../reporters/json.js';
import { columns } from './describe-params.js';
import { inputsFromRunDir } from './resume.js';

export const EVALUATE_HELP = `Usage: trainyard evaluate RUN_DIR [--trial ID] [--backend NAME]

Loads each trial's final weights from RUN_DIR/weights/ (or one trial's), evaluates them on the
test set again, and prints the figures next to those metrics.json recorded. The backend is the
one the run used unless --backend names another.`;

export const EVALUATE_OPTIONS = { trial: { type: 'string' }, backend: { type: 'string' } } as const;

const fmt = (v: number | undefined) => (v === undefined || !Number.isFinite(v) ? '-' : v.toFixed(6));

export async function evaluateCommand(args: string[], values: Record<string, unknown>): Promise<number> {
  if (args.length !== 1) throw new UserError('evaluate needs exactly one RUN_DIR');
  const runDir = args[0];
  const inputs = await inputsFromRunDir(runDir);
  const metrics = JSON.parse(await readFile(join(runDir, 'metrics.json'), 'utf8').catch(() => 'null')) as Metrics | null;
  let trials = inputs.plan.trials;
  if (values.trial !== undefined) {
    const ids = trials.map((t) => t.id);
    trials = trials.filter((t) => t.id === values.trial);
    if (trials.length === 0) {
      const near = closestName(values.trial as string, ids);
      throw new UserError(`--trial ${values.trial}: no such trial${near ? `; did you mean '${near}'?` : ''} (trials: ${ids.join(', ')})`);
    }
  }
  const backendName = (values.backend as string | undefined) ?? metrics?.environment.backend ?? inputs.config.backend.type;
  const { backends } = inputs.registries;
  if (!backends.has(backendName)) throw new UserError(`--backend ${backendName}: unknown backend (valid: ${backends.names().join(', ')})`);
  const { tf, name } = await backends
    .get(backendName)
    .load({ backends })
    .catch((error: Error) => {
      throw new UserError(`backend '${backendName}' cannot run: ${error.message}`);
    });
  const data = await loadExperimentData(inputs.config, inputs.registries, inputs.baseDir);
  const { registries, config } = inputs;
  const { metrics: metricList, targetOf } = scoring(tf, registries, config, data.facts.classes);
  const batches = fixedBatches(tf, data.test, data.facts.sampleShape, config.training.evalBatchSize);

  const rows: string[][] = [['trial', 'weights of epoch', ...metricList.flatMap((m) => [`${m.key} recorded`, `${m.key} now`])]];
  let missing = 0;
  for (const trial of trials) {
    const bundle = await readBundle<WeightsMeta>(finalWeightsDir(runDir, trial.id), 'weights').catch(() => undefined);
    if (!bundle) {
      rows.push([trial.id, 'no final weights (the trial did not finish)']);
      missing++;
      continue;
    }
    const model = buildModel(tf, bundle.meta.layers, registries, bundle.meta.sampleShape, new Random(0));
    model.variables.forEach((v, i) => v.assign(tf.tensor(bundle.tensors.get(`weights/${i}`)!.data, v.shape)));
    const now = await evaluate(tf, model, batches, data.test.count, metricList, targetOf);
    model.dispose();
    const recordedTrial = metrics?.trials.find((t) => t.id === trial.id);
    const recorded = (recordedTrial?.restoredBest ?? recordedTrial?.epochs.at(-1)) as Record<string, number> | undefined;
    rows.push([trial.id, String(bundle.meta.epoch), ...metricList.flatMap((m, i) => [fmt(recorded?.[m.key]), fmt(now[i])])]);
  }
  batches.forEach((b) => disposeBatch(tf, b));
  console.log(`${runDir} on ${name}:`);
  console.log(columns(rows));
  return missing === trials.length ? 1 : 0;
}

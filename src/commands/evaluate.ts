import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { UserError } from '../util/errors.js';
import { closestName } from '../util/suggest.js';
import { Random } from '../util/random.js';
import { columns, printable } from '../util/text.js';
import { loadExperimentData } from '../runner/data.js';
import { buildModel } from '../runner/model.js';
import { evaluate, scoring } from '../runner/evaluate.js';
import { fixedBatches, disposeBatch } from '../runner/batches.js';
import { CorruptRecordError, DirectoryStore } from '../runner/store.js';
import { loadBackend } from '../runner/run.js';
import type { Metrics } from '../run-log/types.js';
import { figureName } from '../registry/kinds.js';
import { openRun } from './open-run.js';
import { assignNamed } from '../runner/trial-state.js';
import { predictions, targets, writeNpy } from './save-outputs.js';

export const EVALUATE_HELP = `Usage: trainyard evaluate RUN_DIR [--trial ID] [--backend NAME] [--allow-plugins]
                          [--save-predictions FILE.npy [--save-targets FILE.npy]]

Loads each trial's final weights from RUN_DIR/weights/ (or one trial's), evaluates them on the
test set again, and prints the figures next to those metrics.json recorded. The backend is the
one the run used unless --backend names another. A run whose plan names plugin modules is opened
only with --allow-plugins (their code runs).

--save-predictions writes the model's outputs on the test set, in order, as a NumPy file of
float32 [N, ...output shape] (channels first, as torch lays them out); --save-targets what they are
compared with: the value targets (float32 [N, ...]) or the class labels (int32 [N]). Both need
--trial when the run has several trials. In Python: numpy.load(FILE).`;

export const EVALUATE_OPTIONS = {
  trial: { type: 'string' },
  backend: { type: 'string' },
  'allow-plugins': { type: 'boolean' },
  'save-predictions': { type: 'string' },
  'save-targets': { type: 'string' },
} as const;

const fmt = (v: number | undefined) => (v === undefined || !Number.isFinite(v) ? '-' : v.toFixed(6));

export async function evaluateCommand(args: string[], values: Record<string, unknown>): Promise<number> {
  if (args.length !== 1) throw new UserError('evaluate needs exactly one RUN_DIR');
  const run = await openRun(args[0]!, 'evaluate', { allowPlugins: Boolean(values['allow-plugins']) });
  const { runDir, registries, config } = run;
  const metrics = JSON.parse(await readFile(join(runDir, 'metrics.json'), 'utf8').catch(() => 'null')) as Metrics | null;
  let trials = run.plan.trials;
  if (values.trial !== undefined) {
    const ids = trials.map((t) => t.id);
    trials = trials.filter((t) => t.id === values.trial);
    if (trials.length === 0) {
      const near = closestName(values.trial as string, ids);
      throw new UserError(`--trial ${values.trial}: no such trial${near ? `; did you mean '${near}'?` : ''} (trials: ${ids.join(', ')})`);
    }
  }
  const savePredictions = values['save-predictions'] as string | undefined;
  const saveTargets = values['save-targets'] as string | undefined;
  if ((savePredictions !== undefined || saveTargets !== undefined) && trials.length !== 1) {
    const option = savePredictions !== undefined ? '--save-predictions' : '--save-targets';
    throw new UserError(`${option} writes one trial's outputs: give --trial ID (trials: ${trials.map((t) => t.id).join(', ')})`);
  }
  const backendName = (values.backend as string | undefined) ?? run.plan.backend ?? metrics?.environment?.backend ?? config.backend.type;
  if (!registries.backends.has(backendName)) throw new UserError(`--backend ${backendName}: unknown backend (valid: ${registries.backends.names().join(', ')})`);
  const { tf, name } = await loadBackend(run, backendName);
  const data = await loadExperimentData(config, registries, run.baseDir).catch((error: Error) => {
    throw new UserError(`evaluate ${runDir}: the data cannot be loaded: ${error.message}`);
  });
  const { metrics: metricList, targetOf } = scoring(tf, registries, config, data.facts);
  const batches = fixedBatches(tf, data.test, data.facts.sampleShape, config.training.evalBatchSize);
  const store = new DirectoryStore(runDir);

  const names = metricList.map((m) => figureName('test', m.key));
  const rows: string[][] = [['trial', 'weights of epoch', ...names.flatMap((name) => [`${name} recorded`, `${name} now`])]];
  let missing = 0;
  const saved: string[] = [];
  try {
    for (const trial of trials) {
      const bundle = await store.loadFinalWeights(trial.id).catch((error: unknown) => {
        throw error instanceof CorruptRecordError ? new UserError(`evaluate ${runDir}: trial ${trial.id}: ${error.message}`) : error;
      });
      if (!bundle) {
        rows.push([printable(trial.id), 'no final weights (the trial did not finish)']);
        missing++;
        continue;
      }
      const model = buildModel(tf, bundle.meta.layers, registries, bundle.meta.sampleShape, new Random(0));
      try {
        try {
          assignNamed(tf, model.variables, bundle.tensors, 'weights', 'its final weights');
          assignNamed(tf, model.state, bundle.tensors, 'state', 'its final weights');
        } catch (error) {
          throw new UserError(`evaluate ${runDir}: trial ${trial.id}: ${(error as Error).message}`);
        }
        const now = await evaluate(tf, model, batches, data.test.count, metricList, targetOf);
        const recordedTrial = metrics?.trials?.find((t) => t.id === trial.id);
        const recorded = (recordedTrial?.restoredBest ?? recordedTrial?.epochs?.at(-1)) as Record<string, number> | undefined;
        rows.push([printable(trial.id), String(bundle.meta.epoch), ...names.flatMap((name, i) => [fmt(recorded?.[name]), fmt(now[i])])]);
        if (savePredictions !== undefined) saved.push(await writeNpy(savePredictions, '--save-predictions', await predictions(tf, model, batches)));
        if (saveTargets !== undefined) saved.push(await writeNpy(saveTargets, '--save-targets', targets(data.test, data.facts)));
      } finally {
        model.dispose();
      }
    }
  } finally {
    batches.forEach((b) => disposeBatch(tf, b));
  }
  console.log(`${printable(runDir)} on ${name}:`);
  console.log(columns(rows));
  for (const path of saved) console.log(`wrote ${printable(path)}`);
  return missing === trials.length ? 1 : 0;
}

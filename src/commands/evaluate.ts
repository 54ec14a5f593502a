import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { UserError } from '../util/errors.js';
import { closestName } from '../util/suggest.js';
import { columns, printable } from '../util/text.js';
import { evaluationData } from './evaluate-data.js';
import { ExportError, modelFromFinalWeights } from '../runner/export-model.js';
import { confusionOf, evaluate, scoring } from '../runner/evaluate.js';
import type { Confusion } from '../run-log/types.js';
import { fixedBatches, disposeBatch } from '../runner/batches.js';
import { CorruptRecordError, DirectoryStore } from '../runner/store.js';
import { loadBackend } from '../runner/run.js';
import type { Metrics } from '../run-log/types.js';
import { figureName } from '../registry/kinds.js';
import { openRun } from './open-run.js';
import { trialConfig } from '../config/plan.js';
import { predictions, targets, writeNpy } from './save-outputs.js';

export const EVALUATE_HELP = `Usage: trainyard evaluate RUN_DIR [--trial ID] [--dataset SPEC] [--set test|train|validation] [--backend NAME]
                           [--allow-plugins] [--save-predictions FILE.npy [--save-targets FILE.npy]]

Loads each trial's final weights from RUN_DIR/weights/ (or one trial's), evaluates them on the
test set again, and prints the figures next to those metrics.json recorded, then each class's
accuracy and the confusion matrix (rows: true class, columns: predicted).
  --dataset SPEC   another dataset: a name or a YAML mapping, e.g. '{type: idx, dir: ./other}'
                   (relative paths from this directory; the run's transforms apply unless SPEC
                   gives transforms); its samples must have the shape the model takes
  --set NAME       the split: test (default), train, or validation (when the dataset holds one out)
  --save-predictions FILE.npy   the model's outputs on that split, in order, as a NumPy file of
                   float32 [N, ...output shape] (channels first, as torch lays them out)
  --save-targets FILE.npy       what they are compared with: the value targets (float32 [N, ...])
                   or the class labels (int32 [N]). Both need --trial when the run has several
                   trials. In Python: numpy.load(FILE).
The backend is the one the run used unless --backend names another. A run whose plan names
plugin modules is opened only with --allow-plugins (their code runs).`;

export const EVALUATE_OPTIONS = {
  trial: { type: 'string' },
  backend: { type: 'string' },
  dataset: { type: 'string' },
  set: { type: 'string' },
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
  const { data, split, recorded: sameData, label } = await evaluationData(run, values);
  // Scored as the run scores: its own class count (one-hot targets, output width).
  const classes = run.plan.data.classes;
  const { metrics: metricList, targetOf } = scoring(tf, registries, config, { ...data.facts, classes });
  const batches = fixedBatches(tf, split, data.facts.sampleShape, config.training.evalBatchSize);
  const store = new DirectoryStore(runDir);
  // Class outputs with labels: each class's accuracy and the confusion matrix too.
  const byClass = classes >= 2 && !data.facts.targetShape;
  const confusions: { id: string; confusion: Confusion }[] = [];

  const names = metricList.map((m) => figureName('test', m.key));
  const header = sameData ? names.flatMap((name) => [`${name} recorded`, `${name} now`]) : metricList.map((m) => m.key);
  const rows: string[][] = [['trial', 'weights of epoch', ...header]];
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
      let model;
      try {
        model = modelFromFinalWeights(tf, registries, bundle);
      } catch (error) {
        throw error instanceof ExportError ? new UserError(`evaluate ${runDir}: trial ${trial.id}: ${error.message}`) : error;
      }
      try {
        // A sweep point may change the loss or the metrics' params: each trial is scored by its own config.
        const own = trial.point ? scoring(tf, registries, trialConfig(config, trial), { ...data.facts, classes }) : { metrics: metricList, targetOf };
        const now = await evaluate(tf, model, batches, split.count, own.metrics, own.targetOf);
        const recordedTrial = metrics?.trials?.find((t) => t.id === trial.id);
        const recorded = (recordedTrial?.restoredBest ?? recordedTrial?.epochs?.at(-1)) as Record<string, number> | undefined;
        const figures = sameData ? names.flatMap((name, i) => [fmt(recorded?.[name]), fmt(now[i])]) : now.map(fmt);
        rows.push([printable(trial.id), String(bundle.meta.epoch), ...figures]);
        if (byClass) confusions.push({ id: trial.id, confusion: await confusionOf(tf, model, batches, classes) });
        if (savePredictions !== undefined) saved.push(await writeNpy(savePredictions, '--save-predictions', await predictions(tf, model, batches)));
        if (saveTargets !== undefined) saved.push(await writeNpy(saveTargets, '--save-targets', targets(split, data.facts)));
      } finally {
        model.dispose();
      }
    }
  } finally {
    batches.forEach((b) => disposeBatch(tf, b));
  }
  console.log(`${printable(runDir)} on ${name}, ${label}:`);
  console.log(columns(rows));
  for (const { id, confusion } of confusions) console.log(`\n${describeConfusion(printable(id), confusion)}`);
  for (const path of saved) console.log(`wrote ${printable(path)}`);
  return missing === trials.length ? 1 : 0;
}

/** Each class's accuracy, then the matrix: a row per true class, a column per predicted one. */
function describeConfusion(id: string, c: Confusion): string {
  const labels = c.matrix.map((_, i) => String(i));
  const rows = [['true \\ predicted', ...labels, 'accuracy'], ...c.matrix.map((row, i) => [labels[i]!, ...row.map(String), c.perClassAccuracy[i] == null ? '-' : c.perClassAccuracy[i]!.toFixed(4)])];
  return `${id}: accuracy per class and confusion matrix\n${columns(rows, '  ')}`;
}

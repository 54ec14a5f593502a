// `trainyard export RUN_DIR --trial ID --format tfjs|safetensors --out DIR`: a trial's final
// weights as a TF.js layers model (model.json + weights, for tf.loadLayersModel) or as a torch
// state_dict in safetensors (for load_state_dict of the matching nn.Sequential).
import { readdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import { UserError } from '../util/errors.js';
import { closestName } from '../util/suggest.js';
import { printable } from '../util/text.js';
import { fsReason } from '../util/fs-errors.js';
import { CorruptRecordError, DirectoryStore } from '../runner/store.js';
import { loadBackend } from '../runner/run.js';
import { ExportError, modelFromFinalWeights, toLayersModel, writeLayersModel, writeSafetensorsModel } from '../runner/export-model.js';
import { openRun } from './open-run.js';

export const EXPORT_HELP = `Usage: trainyard export RUN_DIR --trial ID --format tfjs|safetensors --out DIR [--allow-plugins]

Writes a trial's final weights (RUN_DIR/weights/<trial id>/) as a model for elsewhere:
  --format tfjs          DIR/model.json and DIR/group1-shard1of1.bin, a TF.js layers model
                         (tf.loadLayersModel); its input is one sample as trainyard's layers see it
  --format safetensors   DIR/model.safetensors, torch's state_dict names and layouts
                         (model.layers[i] is module i of an nn.Sequential)
--trial may be left out when the run has one trial. DIR must be new or empty. A run whose plan
names plugin modules is opened only with --allow-plugins (their code runs).`;

export const EXPORT_OPTIONS = { trial: { type: 'string' }, format: { type: 'string' }, out: { type: 'string' }, 'allow-plugins': { type: 'boolean' } } as const;

const FORMATS = ['tfjs', 'safetensors'];

export async function exportCommand(args: string[], values: Record<string, unknown>): Promise<number> {
  if (args.length !== 1) throw new UserError('export needs exactly one RUN_DIR (see trainyard export --help)');
  const format = values.format as string | undefined;
  if (format === undefined || !FORMATS.includes(format)) throw new UserError(`export needs --format ${FORMATS.join(' or ')}${format !== undefined ? ` (got '${format}')` : ''}`);
  if (values.out === undefined) throw new UserError('export needs --out DIR (a new or empty directory)');
  const outDir = resolve(values.out as string);
  const present = await readdir(outDir).catch((error: NodeJS.ErrnoException) => (error.code === 'ENOENT' ? [] : Promise.reject(new UserError(`--out ${outDir}: ${fsReason(error)}`))));
  if (present.length > 0) throw new UserError(`--out ${outDir}: not empty (${present.slice(0, 3).join(', ')}${present.length > 3 ? ', ...' : ''}); export writes into a new or empty directory`);
  const run = await openRun(args[0]!, 'export', { allowPlugins: Boolean(values['allow-plugins']) });
  const ids = run.plan.trials.map((t) => t.id);
  const trialId = (values.trial as string | undefined) ?? (ids.length === 1 ? ids[0]! : undefined);
  if (trialId === undefined) throw new UserError(`export: the run has ${ids.length} trials; name one with --trial (trials: ${ids.join(', ')})`);
  if (!ids.includes(trialId)) {
    const near = closestName(trialId, ids);
    throw new UserError(`--trial ${trialId}: no such trial${near ? `; did you mean '${near}'?` : ''} (trials: ${ids.join(', ')})`);
  }
  const store = new DirectoryStore(run.runDir);
  const bundle = await store.loadFinalWeights(trialId).catch((error: unknown) => {
    throw error instanceof CorruptRecordError ? new UserError(`export ${run.runDir}: trial ${trialId}: ${error.message}`) : error;
  });
  if (!bundle) throw new UserError(`export ${run.runDir}: trial ${trialId} has no final weights (it did not finish; trainyard run --resume ${run.runDir} finishes it)`);
  // The arithmetic of a rebuild is a copy of values: the plain JavaScript backend always loads.
  const { tf } = await loadBackend(run, 'cpu');
  let model;
  try {
    model = modelFromFinalWeights(tf, run.registries, bundle);
    const files =
      format === 'tfjs'
        ? await writeLayersModel(tf, toLayersModel(tf, run.registries, bundle.meta, model), outDir)
        : await writeSafetensorsModel(run.registries, bundle.meta, model, outDir);
    console.log(`${printable(trialId)} (weights of epoch ${bundle.meta.epoch}) as ${format}: ${files.map((f) => printable(f)).join(', ')}`);
    return 0;
  } catch (error) {
    if (error instanceof ExportError) throw new UserError(`export ${run.runDir}: trial ${trialId}: ${error.message}`);
    throw error;
  } finally {
    model?.dispose();
  }
}

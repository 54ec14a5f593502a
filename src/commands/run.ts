import { dirname, resolve } from 'node:path';
import { prepare } from '../config/pipeline.js';
import { checkOutputRoot } from '../config/inspect.js';
import { failWith } from '../config/load.js';
import { UserError } from '../config/errors.js';
import { PluginInputError, type LoadedData } from '../registry/kinds.js';
import { createRunDir } from '../runner/run-dir.js';
import { loadBackend, runPlan } from '../runner/run.js';
import { ConsoleReporter } from '../reporters/console.js';
import { JsonReporter } from '../reporters/json.js';
import type { Prepared } from '../config/pipeline.js';

export const RUN_HELP = `Usage: trainyard run FILE [options]

Trains every trial of the experiment (seeds x optimizers) and writes
<out>/<experiment name>/<run id>/: plan.json, events.jsonl, metrics.json.

Options:
  --backend NAME      auto, tensorflow-gpu, tensorflow, wasm or cpu (overrides the file)
  --workers N         worker threads training trials in parallel (default: trials,
                      at most cores + 1; 1 on native TensorFlow)
  --epochs N          same as --set training.epochs=N
  --set PATH=VALUE    override a value of the file, e.g. --set optimizers[2].lr=1e-3
                      or --set training.batchSize=32 (repeatable; validated like the file)
  --out DIR           root of run directories (default: runs/ in the current directory)
  --quiet             no per-epoch lines, only the summary
  -h, --help          this help`;

export const RUN_OPTIONS = {
  backend: { type: 'string' },
  workers: { type: 'string' },
  epochs: { type: 'string' },
  set: { type: 'string', multiple: true },
  out: { type: 'string' },
  quiet: { type: 'boolean' },
} as const;

function positiveInt(flag: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text) || Number(text) < 1 || Number(text) > 256) throw new UserError(`${flag} must be a whole number from 1 to 256 (got '${text}')`);
  return Number(text);
}

async function loadData(prepared: Prepared, file: string): Promise<LoadedData> {
  const { type, ...params } = prepared.config.dataset;
  try {
    return await prepared.registries.datasets.get(type).load(params, { baseDir: dirname(resolve(file)) });
  } catch (error) {
    const param = error instanceof PluginInputError && error.param ? [error.param] : [];
    failWith(prepared.source, [{ path: ['dataset', ...param], message: `dataset '${type}': ${(error as Error).message}` }]);
    throw error;
  }
}

export async function runCommand(args: string[], values: Record<string, unknown>, sets: { flag: string; text: string }[]): Promise<number> {
  if (args.length !== 1) throw new UserError('run needs exactly one FILE (trainyard run experiments/lecture-25-optimizers.yaml)');
  const file = args[0];
  const workers = positiveInt('--workers', values.workers as string | undefined);
  const allSets = values.backend !== undefined ? [...sets, { flag: '--backend', text: `backend=${values.backend}` }] : sets;
  const prepared = await prepare(file, { sets: allSets });
  const outRoot = resolve((values.out as string | undefined) ?? 'runs');
  await checkOutputRoot(outRoot, values.out !== undefined ? '--out' : 'output directory runs/');
  const backend = await loadBackend(prepared);
  const data = await loadData(prepared, file);

  const { dir } = await createRunDir(outRoot, prepared.plan.experiment.name);
  const json = new JsonReporter(dir, prepared.plan);
  await json.start();
  const reporters = [json, ...(values.quiet ? [] : [new ConsoleReporter(prepared.plan)])];
  const outcome = await runPlan(prepared, data, backend, { runDir: dir, workers, reporters });
  if (values.quiet) console.log(`${outcome.status}: ${dir}`);
  return outcome.status === 'ok' ? 0 : 1;
}

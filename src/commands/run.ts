import { dirname, resolve } from 'node:path';
import { prepare } from '../config/pipeline.js';
import { checkOutputRoot } from '../config/inspect.js';
import { failWith } from '../config/load.js';
import { UserError } from '../config/errors.js';
import { PluginInputError, type LoadedBackend, type LoadedData } from '../registry/kinds.js';
import { createRunDir } from '../runner/run-dir.js';
import { loadBackend, newStopFlag, runPlan, type RunInputs } from '../runner/run.js';
import { fitRun, type FittedRun } from '../runner/workers.js';
import { inputsFromRunDir, readEvents } from './resume.js';
import { loadExperimentData } from '../runner/data.js';
import { ConsoleReporter } from '../reporters/console.js';
import { JsonReporter } from '../reporters/json.js';
import { ReportReporter } from '../reporters/report.js';
import type { Prepared } from '../config/pipeline.js';

export const RUN_HELP = `Usage: trainyard run FILE [options]
       trainyard run --resume RUN_DIR [--workers N] [--quiet]

Trains every trial of the experiment (seeds x optimizers) and writes
<out>/<experiment name>/<run id>/: plan.json, events.jsonl, metrics.json, and
at the end charts/ and report.html (see trainyard report).

Options:
  --backend NAME      auto, tensorflow-gpu, tensorflow, wasm or cpu (overrides the file)
  --workers N         worker threads training trials in parallel (default: trials,
                      at most cores + 1, and as many as fit limits.memoryMB; 1 on
                      native TensorFlow)
  --epochs N          same as --set training.epochs=N
  --set PATH=VALUE    override a value of the file, e.g. --set optimizers[2].lr=1e-3
                      or --set training.batchSize=32 (repeatable; validated like the file)
  --out DIR           root of run directories (default: runs/ in the current directory)
  --quiet             no per-epoch lines, only the summary
  --no-report         skip charts/ and report.html (trainyard report RUN_DIR makes them later)
  --resume RUN_DIR    continue a run that was interrupted or killed: finished trials are
                      kept, the others continue from their last epoch checkpoint

Ctrl-C (SIGINT) or SIGTERM stops every trial at its next step and keeps the checkpoints of the
finished epochs (exit 130); a second Ctrl-C exits at once.
  -h, --help          this help`;

export const RUN_OPTIONS = {
  backend: { type: 'string' },
  workers: { type: 'string' },
  epochs: { type: 'string' },
  set: { type: 'string', multiple: true },
  out: { type: 'string' },
  quiet: { type: 'boolean' },
  'no-report': { type: 'boolean' },
  resume: { type: 'string' },
} as const;

function positiveInt(flag: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text) || Number(text) < 1 || Number(text) > 256) throw new UserError(`${flag} must be a whole number from 1 to 256 (got '${text}')`);
  return Number(text);
}

async function loadData(prepared: Prepared, file: string): Promise<LoadedData> {
  const { type } = prepared.config.dataset;
  try {
    return await loadExperimentData(prepared.config, prepared.registries, dirname(resolve(file)));
  } catch (error) {
    const param = error instanceof PluginInputError && error.param ? [error.param] : [];
    failWith(prepared.source, [{ path: ['dataset', ...param], message: `dataset '${type}': ${(error as Error).message}` }]);
    throw error;
  }
}

/** SIGINT/SIGTERM stop every trial at its next step (checkpoints stay); a second one exits at once. */
function onInterrupt(stopFlag: Int32Array): () => void {
  const handler = (signal: NodeJS.Signals) => {
    if (Atomics.load(stopFlag, 0) !== 0) process.exit(130);
    Atomics.store(stopFlag, 0, 1);
    process.stderr.write(`\n${signal}: stopping after the current step; the last finished epochs are checkpointed (again to quit at once)\n`);
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return () => {
    process.off('SIGINT', handler);
    process.off('SIGTERM', handler);
  };
}

/** Trains the inputs' trials in runDir with the JSON, console and report reporters; returns the exit code. */
async function train(inputs: RunInputs, backend: LoadedBackend, data: LoadedData, runDir: string, values: Record<string, unknown>, resume: boolean, fitted: FittedRun): Promise<number> {
  inputs = { ...inputs, plan: fitted.plan };
  if (fitted.note) console.error(fitted.note);
  const json = new JsonReporter(runDir, inputs.plan);
  const terminal = values.quiet ? undefined : new ConsoleReporter(inputs.plan);
  if (resume) {
    const events = await readEvents(runDir);
    json.replay(events);
    terminal?.replay(events);
  } else {
    await json.start();
  }
  const stopFlag = newStopFlag();
  const release = onInterrupt(stopFlag);
  try {
    const { workers } = fitted;
    // After the JSON reporter: the report is built from the metrics.json it writes at runEnd.
    const report = values['no-report'] ? undefined : new ReportReporter(runDir);
    const reporters = [json, ...(terminal ? [terminal] : []), ...(report ? [report] : [])];
    const outcome = await runPlan(inputs, data, backend, { runDir, workers, resume, stopFlag, reporters });
    if (values.quiet) console.log(`${outcome.status}: ${runDir}`);
    if (report?.result) console.log(`report: ${report.result.path}`);
    // The run's records are complete either way, so a report that could not be built only warns.
    if (report?.error) console.error(`trainyard: the report could not be built: ${report.error.message} (trainyard report ${runDir} tries again)`);
    if (outcome.status === 'interrupted') console.error(`interrupted; continue with: trainyard run --resume ${runDir}`);
    return outcome.status === 'ok' ? 0 : outcome.status === 'interrupted' ? 130 : 1;
  } finally {
    release();
  }
}

export async function runCommand(args: string[], values: Record<string, unknown>, sets: { flag: string; text: string }[]): Promise<number> {
  if (values.resume !== undefined) {
    if (args.length > 0 || sets.length > 0 || values.backend !== undefined || values.out !== undefined) {
      throw new UserError('run --resume RUN_DIR takes no FILE, --set, --epochs, --backend or --out: the plan comes from the run directory');
    }
    const runDir = resolve(values.resume as string);
    const inputs = await inputsFromRunDir(runDir);
    const backend = await loadBackend(inputs);
    const fitted = fitRun(inputs, backend.name, positiveInt('--workers', values.workers as string | undefined));
    const data = await loadExperimentData(inputs.config, inputs.registries, inputs.baseDir).catch((error: Error) => {
      throw new UserError(`--resume ${runDir}: the data cannot be loaded: ${error.message}`);
    });
    return train(inputs, backend, data, runDir, values, true, fitted);
  }
  if (args.length !== 1) throw new UserError('run needs exactly one FILE (trainyard run experiments/lecture-25-optimizers.yaml), or --resume RUN_DIR');
  const file = args[0];
  positiveInt('--workers', values.workers as string | undefined);
  const allSets = values.backend !== undefined ? [...sets, { flag: '--backend', text: `backend=${values.backend}` }] : sets;
  const prepared = await prepare(file, { sets: allSets });
  const outRoot = resolve((values.out as string | undefined) ?? 'runs');
  await checkOutputRoot(outRoot, values.out !== undefined ? '--out' : 'output directory runs/', prepared.plan.experiment.name);
  const backend = await loadBackend(prepared); // a backend that cannot run is an error before anything is written
  const fitted = fitRun(prepared, backend.name, positiveInt('--workers', values.workers as string | undefined)); // so is a run that cannot fit limits.memoryMB
  const data = await loadData(prepared, file);
  const { dir } = await createRunDir(outRoot, prepared.plan.experiment.name);
  return train(prepared, backend, data, dir, values, false, fitted);
}

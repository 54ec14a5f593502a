#!/usr/bin/env node
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { ConfigError, formatWarning, printable, UserError } from './util/errors.js';
import { prepare } from './config/pipeline.js';
import { LIST_HELP, listPlugins, pluginKinds } from './commands/list.js';
import { probeBackends } from './commands/probe-backends.js';
import { createRegistries } from './registry/index.js';
import { SCHEMA_HELP, schemaText, writeSchema } from './commands/schema.js';
import { RUN_HELP, RUN_OPTIONS, runCommand } from './commands/run.js';
import { EVALUATE_HELP, EVALUATE_OPTIONS, evaluateCommand } from './commands/evaluate.js';
import { EXPORT_HELP, EXPORT_OPTIONS, exportCommand } from './commands/export.js';
import { REPORT_HELP, REPORT_OPTIONS, reportCommand } from './commands/report.js';
import { COMPARE_HELP, COMPARE_OPTIONS, compareCommand } from './commands/compare.js';
import { WORKER_HELP, WORKER_OPTIONS, workerCommand } from './commands/worker.js';
import { QUEUE_HELP, QUEUE_OPTIONS, queueCommand } from './commands/queue.js';
import { closestName } from './util/suggest.js';
import { registriesWith } from './commands/user-plugins.js';
import { fsReason } from './util/fs-errors.js';
import { writeFile } from 'node:fs/promises';
import { trainyardVersion } from './util/environment.js';
import { installProcessErrorHandlers } from './util/process-errors.js';
import { limitMallocArenas } from './util/malloc-arenas.js';

const HELP = (): string => `trainyard: declarative experiments for training neural networks on TensorFlow.js

Usage: trainyard COMMAND [options]

Commands:
  run FILE          train every trial of an experiment and write its run directory
  run --resume DIR  continue an interrupted run from its checkpoints
  evaluate RUN_DIR  evaluate the saved final weights of a run on the test set again
  report RUN_DIR    rebuild a run's charts and report.html from its run directory
  compare DIR...    one report for several run directories, their charts overlaid
  worker            train trials from a queue (trainyard run --queue URL fills it)
  queue status      what a queue holds: each run's trials waiting, running, done, failed
  validate FILE...  check experiment files (exit 0 valid, 2 invalid)
  plan FILE         print the plan (trials, data facts, normalized config) as JSON
  list [KIND]       list plugins (${pluginKinds()})
  schema [FILE]     print the JSON Schema of experiment files (with a project's plugins)
  export RUN_DIR    write a trial's final weights as a TF.js model or safetensors

Run 'trainyard COMMAND --help' for a command's options.
Exit codes: 0 success, 1 a run failed, 2 bad input, 130 interrupted.`;

const VALIDATE_HELP = `Usage: trainyard validate FILE... [--set PATH=VALUE]...

Checks each experiment file: YAML syntax, the schema, every plugin and its params,
and what the config names (dataset headers, model widths vs classes). Prints
FILE:LINE:COL messages for every problem. Exit 0 when all are valid, 2 otherwise.`;

const PLAN_HELP = `Usage: trainyard plan FILE [--set PATH=VALUE]... [--epochs N]

Prints the plan as JSON: the normalized config, the data facts and the trials
(seeds x optimizers), exactly as a run writes it to plan.json.`;

const setOption = { set: { type: 'string', multiple: true }, epochs: { type: 'string' } } as const;

interface Command {
  help: string | (() => string);
  options: ParseArgsConfig['options'];
  run(positionals: string[], values: Record<string, unknown>): Promise<number>;
}

/** --set and --epochs as overrides in command-line order. */
export function collectSets(values: Record<string, unknown>): { flag: string; text: string }[] {
  const sets = ((values.set as string[] | undefined) ?? []).map((text) => ({ flag: '--set', text }));
  if (values.epochs !== undefined) sets.push({ flag: '--epochs', text: `training.epochs=${values.epochs}` });
  return sets;
}

const commands: Record<string, Command> = {
  validate: {
    help: VALIDATE_HELP,
    options: setOption,
    async run(files, values) {
      if (files.length === 0) throw new UserError('validate needs at least one FILE (trainyard validate experiments/*.yaml)');
      let failed = false;
      for (const file of files) {
        try {
          const { plan, warnings, studyLine } = await prepare(file, { sets: collectSets(values) });
          for (const warning of warnings) console.error(formatWarning(warning));
          console.log(`${file}: valid (${studyLine}; ${plan.data.trainSize} training / ${plan.data.testSize} test samples)`);
          for (const note of plan.data.notes ?? []) console.log(`  note: ${printable(note)}`);
        } catch (error) {
          if (!(error instanceof UserError)) throw error;
          console.error(error.message);
          failed = true;
        }
      }
      return failed ? 2 : 0;
    },
  },
  plan: {
    help: PLAN_HELP,
    options: setOption,
    async run(files, values) {
      if (files.length !== 1) throw new UserError('plan needs exactly one FILE');
      const { plan, warnings } = await prepare(files[0], { sets: collectSets(values) });
      for (const warning of warnings) console.error(formatWarning(warning));
      console.log(JSON.stringify(plan, null, 2));
      return 0;
    },
  },
  list: {
    help: LIST_HELP,
    options: { plugins: { type: 'string', multiple: true } },
    async run(args, values) {
      if (args.length > 1) throw new UserError('list takes at most one KIND (plugin modules go after --plugins)');
      const registries = await registriesWith(values.plugins as string[] | undefined);
      console.log(listPlugins(args[0], registries));
      // Only when asked for backends: probing loads every backend, which takes seconds.
      if (args[0] === 'backends' || args[0] === 'backend') console.log(`\non this machine:\n${await probeBackends(registries)}`);
      return 0;
    },
  },
  schema: {
    help: SCHEMA_HELP,
    options: { write: { type: 'boolean' }, plugins: { type: 'string', multiple: true }, out: { type: 'string' } },
    async run(args, values) {
      if (args.length > 1) throw new UserError('schema takes at most one EXPERIMENT.yaml (plugin modules go after --plugins)');
      const plugins = values.plugins as string[] | undefined;
      if (values.write) {
        if (args.length > 0 || plugins || values.out !== undefined) throw new UserError("schema --write writes the package's own schema, without a project's plugins; use --out FILE for a schema with them");
        console.log(`wrote ${await writeSchema()}`);
        return 0;
      }
      const text = schemaText(await registriesWith(plugins, args[0]));
      if (values.out === undefined) process.stdout.write(text);
      else {
        await writeFile(values.out as string, text).catch((error: unknown) => {
          throw new UserError(`--out ${values.out}: ${fsReason(error)}`);
        });
        console.log(`wrote ${values.out as string}`);
      }
      return 0;
    },
  },
  evaluate: {
    help: EVALUATE_HELP,
    options: EVALUATE_OPTIONS,
    run: (args, values) => evaluateCommand(args, values),
  },
  export: {
    help: EXPORT_HELP,
    options: EXPORT_OPTIONS,
    run: (args, values) => exportCommand(args, values),
  },
  report: {
    help: REPORT_HELP,
    options: REPORT_OPTIONS,
    run: (args) => reportCommand(args),
  },
  compare: {
    help: COMPARE_HELP,
    options: COMPARE_OPTIONS,
    run: (args, values) => compareCommand(args, values),
  },
  run: {
    help: RUN_HELP,
    options: RUN_OPTIONS,
    run: (args, values) => runCommand(args, values, collectSets(values)),
  },
  worker: {
    help: WORKER_HELP,
    options: WORKER_OPTIONS,
    run: (args, values) => workerCommand(args, values),
  },
  queue: {
    help: QUEUE_HELP,
    options: QUEUE_OPTIONS,
    run: (args) => queueCommand(args),
  },
};

const MODULE_FILE = /\.(m?js|cjs|m?ts|cts)$/i;

/** `--plugins a.ts b.js` as `--plugins a.ts --plugins b.js`: the module files that follow the flag belong to it. */
export function spreadPlugins(args: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    out.push(args[i]!);
    if (args[i] !== '--plugins') continue;
    if (i + 1 < args.length) out.push(args[++i]!);
    while (i + 1 < args.length && MODULE_FILE.test(args[i + 1]!)) out.push('--plugins', args[++i]!);
  }
  return out;
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    console.log(HELP());
    return name === undefined ? 2 : 0;
  }
  if (name === '--version') {
    console.log(trainyardVersion());
    return 0;
  }
  const command = commands[name];
  if (!command) {
    const suggestion = closestName(name, Object.keys(commands));
    throw new UserError(`unknown command '${name}'${suggestion ? `; did you mean '${suggestion}'?` : ''} (commands: ${Object.keys(commands).join(', ')}; see trainyard --help)`);
  }
  let parsed;
  try {
    parsed = parseArgs({ args: command.options?.plugins ? spreadPlugins(rest) : rest, options: { ...command.options, help: { type: 'boolean', short: 'h' } }, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UserError(`${name}: ${(error as Error).message.replace(/\. To specify a positional.*$/s, '')} (see trainyard ${name} --help)`);
  }
  if (parsed.values.help) {
    console.log(typeof command.help === 'function' ? command.help() : command.help);
    return 0;
  }
  return command.run(parsed.positionals, parsed.values as Record<string, unknown>);
}

/** main() with every error turned into its message and exit code: what the program does, minus the process. */
export async function runCli(argv: string[]): Promise<number> {
  let code: number;
  try {
    code = await main(argv);
  } catch (error) {
    if (error instanceof UserError) {
      console.error(error instanceof ConfigError ? error.message : `trainyard: ${error.message}`);
      code = 2;
    } else {
      const e = error as Error;
      console.error(`trainyard: internal error: ${e?.message ?? String(error)}`);
      if (process.env.TRAINYARD_DEBUG) console.error(e?.stack);
      else console.error('(this is a bug in trainyard, not in your experiment; set TRAINYARD_DEBUG=1 for details)');
      code = 1;
    }
  }
  return code;
}

async function entry(): Promise<void> {
  installProcessErrorHandlers();
  await limitMallocArenas();
  const code = await runCli(process.argv.slice(2));
  process.exitCode = code;
  // Something a plugin left running (a timer, a pending import) must not keep a finished command alive.
  setTimeout(() => process.exit(code), 1000).unref();
}

// Run only as the program, not when tests import main().
if (process.argv[1] && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url)) await entry();

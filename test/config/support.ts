// Shared by the config, registry, schema and CLI tests: paths from the repository root, the CLI as a
// child process, catching the ConfigError a bad experiment must throw, the committed schema.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { Ajv, type ValidateFunction } from 'ajv';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError, formatLocated, type LocatedProblem } from '../../src/util/errors.js';

/** The repository root (this file runs as dist/test/config/support.js). */
export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const fromRoot = (...parts: string[]): string => join(ROOT, ...parts);
export const LECTURE = fromRoot('experiments', 'lecture-25-optimizers.yaml');

export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `node dist/src/cli.js ARGS` from the repository root (with `env` added to this process's environment). */
export function runCli(args: string[], cwd = ROOT, env: Record<string, string> = {}): CliResult {
  const result = spawnSync(process.execPath, [fromRoot('dist', 'src', 'cli.js'), ...args], { cwd, encoding: 'utf8', env: { ...process.env, TRAINYARD_DEBUG: '', ...env } });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Lines that look like a stack trace ("    at fn (file:1:2)"). */
export const stackLines = (text: string): string[] => text.split('\n').filter((line) => /^\s+at /.test(line));

/** Awaits a promise that must reject with a ConfigError, and returns it. */
export async function configError(promise: Promise<unknown>): Promise<ConfigError> {
  const outcome = await promise.then(
    () => undefined,
    (error: unknown) => error,
  );
  if (!(outcome instanceof ConfigError)) assert.fail(`expected a ConfigError, got ${outcome instanceof Error ? `${outcome.name}: ${outcome.message}` : 'success'}`);
  return outcome;
}

/** Problems printed as the CLI prints them, for assertion messages. */
export const show = (problems: LocatedProblem[]): string => problems.map(formatLocated).join('\n');

/** A fresh temporary directory, removed by the returned cleanup. */
export function tempDir(prefix = 'trainyard-test-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Writes an experiment as DIR/exp.yaml and returns its path. */
export function writeExperimentIn(dir: string, text: string): string {
  const file = join(dir, 'exp.yaml');
  writeFileSync(file, text);
  return file;
}

/** Freezes a value and everything in it (normalize and plan must not change their input). */
export function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value as object)) deepFreeze(child);
  }
  return value;
}

/** A validator for the committed schemas/experiment.schema.json (draft-07, as editors read it). */
export function committedSchemaValidator(): { schema: Record<string, unknown>; validate: ValidateFunction } {
  const schema = JSON.parse(readFileSync(fromRoot('schemas', 'experiment.schema.json'), 'utf8')) as Record<string, unknown>;
  return { schema, validate: new Ajv({ allErrors: true }).compile(schema) };
}

/** One bad fixture's expectation, from test/fixtures/bad/expected.json (written by hand). */
export interface BadExpectation {
  /** Where the problem is; absent for problems of the file as a whole (not found, too large) or of a flag. */
  line?: number;
  col?: number;
  /** Key path as printed ('optimizers[1].lr'); '' for problems of the file as a whole. */
  path: string;
  /** Substrings the message must contain. */
  message: string[];
  /** Whether the committed JSON schema must reject the file too (test/commands/schema.test.ts). */
  schemaError: boolean;
  /** Made by the test rather than kept in test/fixtures/bad/ (GENERATED in bad-configs.test.ts): what it is. */
  generated?: string;
  note?: string;
}

export const BAD_DIR = fromRoot('test', 'fixtures', 'bad');
export const BAD_EXPECTED: Record<string, BadExpectation> = JSON.parse(readFileSync(join(BAD_DIR, 'expected.json'), 'utf8'));

/** runCli's answer from the CLI code in this process (no start-up cost): for what needs no process of its own. */
export async function runCliInProcess(args: string[], cwd = ROOT): Promise<CliResult> {
  const { cliInProcess } = await import('../run-helpers.js');
  const { code, stdout, stderr } = await cliInProcess(args, { cwd });
  return { status: code, stdout, stderr };
}

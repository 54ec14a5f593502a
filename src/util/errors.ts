/** A key path into the experiment document: ['optimizers', 1, 'lr']. */
export type Path = readonly (string | number)[];

/** Something wrong with the input, found by a pipeline step; located later against the document. */
export interface Problem {
  path: Path;
  message: string;
  /** Point at the key itself (unknown keys) rather than its value. */
  at?: 'key' | 'value';
}

/** A problem with where it is: FILE:LINE:COL, or the command-line flag that set it. */
export interface LocatedProblem {
  file: string;
  line?: number;
  col?: number;
  /** e.g. '--set training.epochs=0', when the value came from the command line. */
  flag?: string;
  path: string;
  message: string;
  /** A warning does not fail validation; it is printed as 'warning: ...'. */
  severity?: 'warning';
}

/** Thrown by a pure step with the problems it found; the pipeline attaches locations. */
export class ProblemsError extends Error {
  constructor(readonly problems: Problem[]) {
    super(problems.map((p) => `${formatPath(p.path)}: ${p.message}`).join('\n'));
    this.name = 'ProblemsError';
  }
}

export { printable } from '../util/text.js';
import { printable } from '../util/text.js';

/** Bad input from the user: printed without a stack, exit code 2. */
export class UserError extends Error {
  constructor(message: string) {
    super(printable(message, true));
    this.name = 'UserError';
  }
}

/** One or more located problems in an experiment file. */
export class ConfigError extends UserError {
  readonly problems: LocatedProblem[];
  constructor(problems: LocatedProblem[]) {
    const clean = problems.map((p) => ({ ...p, path: printable(p.path), message: printable(p.message) }));
    super(clean.map(formatLocated).join('\n'));
    this.problems = clean;
    this.name = 'ConfigError';
  }
}

export function formatLocated(p: LocatedProblem): string {
  const where = p.flag ? `${p.file} (${p.flag})` : p.line !== undefined ? `${p.file}:${p.line}:${p.col}` : p.file;
  const message = p.severity === 'warning' ? `warning: ${p.message}` : p.message;
  return p.path ? `${where} ${p.path}: ${message}` : `${where} ${message}`;
}

/** A warning as printed: located like an error, with what it quotes from the input escaped (see printable). */
export const formatWarning = (p: LocatedProblem): string => printable(formatLocated({ ...p, severity: 'warning' }));

/** ['optimizers', 1, 'lr'] → 'optimizers[1].lr' */
export function formatPath(path: Path): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else out += out ? `.${segment}` : segment;
  }
  return out;
}

/** A value as a user would recognise it in a message: 'abc', 12, a list, a mapping. */
export function describe(value: unknown): string {
  if (value === null || value === undefined) return 'nothing';
  if (typeof value === 'string') return value.length > 40 ? `'${value.slice(0, 37)}...'` : `'${value}'`;
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : String(value);
  if (typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return `a list of ${value.length}`;
  return 'a mapping';
}

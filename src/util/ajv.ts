import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
/** A JSON Schema (draft-07) as a plain object. */
type JsonSchema = Record<string, unknown>;
import { closestName } from './suggest.js';
import { describe, formatPath, type Path, type Problem } from './errors.js';

/** One ajv instance for the whole process; compiled validators are cached per schema object. */
// verbose: errors carry their parentSchema, which lists the valid keys for unknown-key messages.
const ajv = new Ajv({ allErrors: true, verbose: true, strict: true, strictTypes: false, allowUnionTypes: true });
const cache = new WeakMap<object, ValidateFunction>();

export function compile(schema: JsonSchema): ValidateFunction {
  let validate = cache.get(schema);
  if (!validate) {
    validate = ajv.compile(schema);
    cache.set(schema, validate);
  }
  return validate;
}

/** Checks a schema itself (for user plugins' params); returns ajv's complaint or undefined. */
export function schemaProblem(schema: unknown): string | undefined {
  try {
    ajv.compile(schema as JsonSchema);
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

export interface ValidateOptions {
  /** Path of the validated value inside the document. */
  at: Path;
  /** What unknown keys are called: 'key' at the top level, 'parameter' in a plugin. */
  keyNoun: string;
  /** Whose keys they are, e.g. "optimizer 'sgd'" (unknown parameter 'x' for optimizer 'sgd'). */
  owner?: string;
}

/** Validates and turns ajv's errors into problems a person can act on. */
export function check(schema: JsonSchema, value: unknown, options: ValidateOptions): Problem[] {
  const validate = compile(schema);
  if (validate(value)) return [];
  const problems: Problem[] = [];
  for (const error of validate.errors ?? []) {
    const problem = toProblem(error, value, options);
    if (problem && !problems.some((p) => p.message === problem.message && samePath(p.path, problem.path))) problems.push(problem);
  }
  return problems;
}

const samePath = (a: Path, b: Path) => a.length === b.length && a.every((s, i) => s === b[i]);

/** '/optimizers/1/lr' → ['optimizers', 1, 'lr'], with indices as numbers where the data is a list. */
function toPath(pointer: string, root: unknown): (string | number)[] {
  const path: (string | number)[] = [];
  let current: unknown = root;
  for (const raw of pointer.split('/').slice(1)) {
    const segment = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    const step = Array.isArray(current) ? Number(segment) : segment;
    path.push(step);
    current = current !== null && typeof current === 'object' ? (current as Record<string, unknown>)[segment] : undefined;
  }
  return path;
}

function valueAt(root: unknown, path: (string | number)[]): unknown {
  return path.reduce<unknown>((v, s) => (v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[s] : undefined), root);
}

const TYPE_WORDS: Record<string, string> = {
  integer: 'a whole number',
  number: 'a number',
  string: 'a string',
  boolean: 'true or false',
  array: 'a list',
  object: 'a mapping',
  'string,object': 'a type name or a mapping with a type key',
};

function toProblem(error: ErrorObject, root: unknown, { at, keyNoun, owner }: ValidateOptions): Problem | undefined {
  const local = toPath(error.instancePath, root);
  const path = [...at, ...local];
  const value = valueAt(root, local);
  const got = ` (got ${describe(value)})`;
  const p = error.params as Record<string, any>;
  switch (error.keyword) {
    case 'type': {
      if (typeof value === 'number' && !Number.isFinite(value)) return { path, message: `must be a finite number (got ${value})` };
      const wanted = TYPE_WORDS[String(p.type)] ?? String(p.type);
      return { path, message: `must be ${wanted}${got}` };
    }
    case 'additionalProperties': {
      const allowed = Object.keys((error.parentSchema as { properties?: object })?.properties ?? {});
      const suggestion = closestName(p.additionalProperty, allowed);
      return {
        path: [...path, p.additionalProperty],
        at: 'key',
        message:
          `unknown ${keyNoun} '${p.additionalProperty}'${owner ? ` for ${owner}` : ''}` +
          (suggestion ? `; did you mean '${suggestion}'?` : '') +
          ` (valid: ${allowed.length ? allowed.join(', ') : 'none'})`,
      };
    }
    case 'required':
      return { path, message: `missing required key '${p.missingProperty}'` };
    case 'minimum':
      return { path, message: `must be >= ${p.limit}${got}` };
    case 'exclusiveMinimum':
      return { path, message: `must be > ${p.limit}${got}` };
    case 'maximum':
      return { path, message: `must be <= ${p.limit}${got}` };
    case 'exclusiveMaximum':
      return { path, message: `must be < ${p.limit}${got}` };
    case 'enum':
      return { path, message: `must be one of ${(p.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}${got}` };
    case 'const':
      return { path, message: `must be ${JSON.stringify(p.allowedValue)}${got}` };
    case 'minItems':
      return { path, message: p.limit === 1 ? `must not be empty${got}` : `must have at least ${p.limit} items${got}` };
    case 'maxItems':
      return { path, message: `must have at most ${p.limit} items${got}` };
    case 'minLength':
      return { path, message: p.limit === 1 ? 'must not be empty' : `must be at least ${p.limit} characters${got}` };
    case 'maxLength':
      return { path, message: `must be at most ${p.limit} characters${got}` };
    case 'pattern':
      // The experiment name's pattern in words; any other (a plugin's own) as written.
      return p.pattern === '^[A-Za-z0-9][A-Za-z0-9._-]*$'
        ? { path, message: `must use only letters, digits, '.', '_' and '-', starting with a letter or digit${got}` }
        : { path, message: `must match the pattern ${p.pattern}${got}` };
    case 'uniqueItems':
      // ajv scans from the end: j is the later of the two equal items, i the earlier one.
      return {
        path: [...path, p.j],
        message: `repeats ${describe((value as unknown[])[p.j])} (already ${formatPath([...path, p.i])}); each item must be different`,
      };
    case 'if':
    case 'anyOf':
    case 'oneOf':
      return undefined; // their branches report the specific problem
    default:
      return { path, message: `${error.message ?? 'is invalid'}${got}` };
  }
}

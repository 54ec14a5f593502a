// Seeded mutations of experiment files for the fuzz test (test/config/fuzz.test.ts): deleted keys,
// wrong types, random bytes, deep nesting, huge numbers, unicode, duplicated keys, truncation,
// swapped lines, aliases. Text-level, so that they also make what a parser would never produce.
import { fileURLToPath } from 'node:url';
import { Random } from '../../src/util/random.js';

export interface Mutated {
  /** The file's bytes: a string (written as UTF-8) or raw bytes. */
  content: string | Buffer;
  /** What was done, for the failure report. */
  steps: string[];
}

/** The test's plugin modules (absolute: the cases live in a temp dir). */
const PLUGINS = fileURLToPath(new URL('../../../test/fixtures/plugins', import.meta.url));

const pick = <T>(r: Random, items: readonly T[]): T => items[r.int(items.length)];

/** `key: value` where the value is a scalar or a flat flow list/mapping on the same line. */
const SITE = /([A-Za-z_][A-Za-z0-9_]*):[ ]+(\[[^[\]\n]*\]|\{[^{}\n]*\}|[^,{}[\]\n#]+)/g;
const NUMBER = /-?\b\d+(?:\.\d+)?(?:e-?\d+)?\b/gi;

const NAMES = [
  'sgd', 'adam', 'adamw', 'rmsprop', 'adagrad', 'adadelta', 'adamax', 'nadam', 'radam', 'sdg', 'Adam', 'dense', 'flatten', 'relu', 'dropout',
  'sigmoid', 'tanh', 'softmax', 'logSoftmax', 'crossEntropy', 'nll', 'mse', 'l1', 'multiMargin', 'mnist-bundled', 'idx', 'csv', 'fashion-mnist',
  'mnist', 'kmnist', 'scale', 'normalize', 'oneHot', 'addNoise', 'step', 'multiStep', 'exponential', 'cosineAnnealing', 'linearWarmup',
  'oneCycle', 'reduceOnPlateau', 'loss', 'accuracy', 'auto', 'cpu', 'wasm', 'tensorflow', 'tensorflow-gpu', '__proto__', 'constructor',
  'toString', 'hasOwnProperty', 'valueOf', 'prototype',
];

const KEYS = [
  'name', 'type', 'units', 'lr', 'momentum', 'betas', 'amsgrad', 'epochs', 'batchSize', 'evalBatchSize', 'shuffle', 'seeds', 'layers', 'dataset',
  'transforms', 'validation', 'fraction', 'schedule', 'then', 'warmup', 'tMax', 'metric', 'earlyStopping', 'patience', 'clipGradNorm',
  'clipGradValue', 'limits', 'memoryMB', 'trainSize', 'testSize', 'classes', 'dir', 'plugins', 'metrics', 'backend', 'rate', 'std',
];

const UNICODE = [
  'é', 'Ａｄａｍ', '最適化', 'лекция', '🚀', '👩‍👩‍👧', '\u202e', '\u200b', '\u0000', '\u0007', '\u001b[31m', '\ufeff', 'e\u0301', '\u2028',
  'ﷺ', '𠜎', '\uffff', 'İ', 'ß', '\t', '\r', '\r\n', '\\', '"', "'", '%s', '${x}', '{{x}}', '`', '＄', '．．／',
];

/** Values of every kind and size, as YAML text. */
const VALUES = [
  '0', '-1', '1', '2', '3', '10', '100', '784', '1048576', '1048577', '8000', '8001', '1e6', '1e308', '1e309', '-1e309', '1e-400', '.inf', '-.inf',
  '.nan', '9007199254740993', '4294967296', '0x10', '0o17', '1_000', '0.5', '0.999', '1.0', '-0.0', 'true', 'false', 'yes', 'no', 'null', '~',
  '""', "''", '"100"', 'abc', '[]', '{}', '[1, 2]', '[[1]]', '{type: sgd}', '{type: dense, units: 10}', '{a: 1}', '[sgd, adam]',
  '!!str 1', '!!int "5"', '!!binary aGVsbG8=', '!!float 1', '!js/function x', '!include x.yaml', '&a 1', '*a', '*undefined', '&b [*b]',
  '2001-12-14', '12:30:00', '"\\u0000"', '"\\e[2J"', `"${'x'.repeat(5000)}"`, '|\n  block\n', '>-\n  folded\n', '- a', '? k', ': v',
];

function deep(r: Random, depth: number): string {
  switch (r.int(3)) {
    case 0:
      return `${'['.repeat(depth)}1${']'.repeat(depth)}`;
    case 1:
      return `${'{a: '.repeat(depth)}1${'}'.repeat(depth)}`;
    default:
      return `${'[{a: '.repeat(depth)}1${'}]'.repeat(depth)}`;
  }
}

function sites(text: string): RegExpExecArray[] {
  return [...text.matchAll(SITE)];
}

const splice = (text: string, at: number, remove: number, insert: string) => text.slice(0, at) + insert + text.slice(at + remove);

type TextMutation = (text: string, r: Random) => [string, string];

const MUTATIONS: Record<string, TextMutation> = {
  deleteKey(text, r) {
    const all = sites(text);
    if (all.length === 0) return [text, 'deleteKey (none)'];
    const m = pick(r, all);
    let [at, len] = [m.index!, m[0].length];
    if (text.slice(at - 2, at) === ', ') [at, len] = [at - 2, len + 2];
    else if (text.slice(at + len, at + len + 2) === ', ') len += 2;
    return [splice(text, at, len, ''), `deleteKey ${m[1]}`];
  },
  deleteLine(text, r) {
    const lines = text.split('\n');
    const i = r.int(lines.length);
    return [lines.filter((_, k) => k !== i).join('\n'), `deleteLine ${i + 1}`];
  },
  wrongValue(text, r) {
    const all = sites(text);
    if (all.length === 0) return [text, 'wrongValue (none)'];
    const m = pick(r, all);
    const value = pick(r, VALUES);
    const at = m.index! + m[0].length - m[2].length;
    return [splice(text, at, m[2].length, value.startsWith('|') || value.startsWith('>') ? JSON.stringify(value) : value), `wrongValue ${m[1]}=${value.slice(0, 30)}`];
  },
  hugeNumber(text, r) {
    const all = [...text.matchAll(NUMBER)];
    if (all.length === 0) return [text, 'hugeNumber (none)'];
    const m = pick(r, all);
    const value = pick(r, ['1e308', '1e309', '-1e309', '9'.repeat(400), '1e-400', '9007199254740993', '-9007199254740993', '4294967295', '4294967296', '2147483648', '-2147483649', '0', '-0']);
    return [splice(text, m.index!, m[0].length, value), `hugeNumber ${m[0]}→${value.slice(0, 20)}`];
  },
  renameType(text, r) {
    const all = [...text.matchAll(new RegExp(`\\b(${NAMES.filter((n) => /^[\w-]+$/.test(n)).join('|')})\\b`, 'g'))];
    if (all.length === 0) return [text, 'renameType (none)'];
    const m = pick(r, all);
    const name = pick(r, NAMES);
    return [splice(text, m.index!, m[0].length, name), `renameType ${m[0]}→${name}`];
  },
  keyTypo(text, r) {
    const all = sites(text);
    if (all.length === 0) return [text, 'keyTypo (none)'];
    const m = pick(r, all);
    const key = r.next() < 0.5 ? pick(r, KEYS) : splice(m[1], r.int(m[1].length), 1, pick(r, ['', 'x', '_', 'A', '1']));
    return [splice(text, m.index!, m[1].length, key || 'k'), `keyTypo ${m[1]}→${key}`];
  },
  duplicateKey(text, r) {
    const all = sites(text);
    if (all.length === 0) return [text, 'duplicateKey (none)'];
    const m = pick(r, all);
    const lineStart = text.lastIndexOf('\n', m.index!) + 1;
    const inFlow = /[{[]/.test(text.slice(lineStart, m.index!).replace(/^\s*(- )?/, ''));
    if (inFlow) return [splice(text, m.index! + m[0].length, 0, `, ${m[1]}: ${pick(r, VALUES.slice(0, 20))}`), `duplicateKey ${m[1]} (flow)`];
    const lineEnd = text.indexOf('\n', m.index!);
    const line = text.slice(lineStart, lineEnd < 0 ? text.length : lineEnd);
    return [splice(text, lineStart, 0, `${line}\n`), `duplicateKey ${m[1]} (line)`];
  },
  addKey(text, r) {
    const extra = pick(r, [
      'limits: {memoryMB: 1}', 'limits: {memoryMB: 16777216}', 'plugins: [./nope.js]', 'plugins: [/dev/null]', 'plugins: [/dev/zero]', 'plugins: [.]', 'x: 1',
      ...['throws.js', 'register-throws.js', 'malformed.js', 'duplicate.js', 'no-default.js', 'unhandled-rejection.js', 'assigns-registries.js', 'registers-malformed.js'].map((f) => `plugins: [${PLUGINS}/${f}]`),
      'metrics: [loss]', 'metrics: [accuracy, accuracy]', 'seeds: [0, 1, 2]', 'backend: {type: cpu}', 'description: 🚀',
      'training: {epochs: 1}', 'dataset: {type: idx, dir: /}', 'dataset: {type: csv, train: /etc/passwd, test: /etc/hostname, labelColumn: 0}',
    ]);
    return [`${text.replace(/\n?$/, '\n')}${extra}\n`, `addKey ${extra}`];
  },
  deepNesting(text, r) {
    const all = sites(text);
    const depth = pick(r, [5, 50, 99, 100, 101, 150, 1000, 10000]);
    const value = r.next() < 0.2 ? `${'- '.repeat(depth)}1` : deep(r, depth);
    if (all.length === 0 || value.startsWith('-')) return [`${text}\nnested:\n  ${value}\n`, `deepNesting ${depth} (block)`];
    const m = pick(r, all);
    const at = m.index! + m[0].length - m[2].length;
    return [splice(text, at, m[2].length, value), `deepNesting ${depth} at ${m[1]}`];
  },
  aliases(text, r) {
    const all = sites(text);
    if (all.length < 2) return [text, 'aliases (none)'];
    const [a, b] = [pick(r, all), pick(r, all)];
    const [first, second] = a.index! <= b.index! ? [a, b] : [b, a];
    const kind = r.int(3);
    // An anchor on one value, an alias to it (or to nothing, or to itself) in another.
    const anchorAt = first.index! + first[0].length - first[2].length;
    const aliasAt = second.index! + second[0].length - second[2].length;
    if (kind === 0) return [splice(splice(text, aliasAt, second[2].length, '*x'), anchorAt, 0, '&x '), 'aliases anchor+alias'];
    if (kind === 1) return [splice(text, aliasAt, second[2].length, '*nowhere'), 'aliases unknown'];
    const laughs = Array.from({ length: 6 }, (_, i) => `l${i + 1}: &l${i + 1} [${Array(9).fill(i === 0 ? 'lol' : `*l${i}`).join(', ')}]`).join('\n');
    return [`${text.replace(/\n?$/, '\n')}${laughs}\n`, 'aliases billion laughs'];
  },
  swapLines(text, r) {
    const lines = text.split('\n');
    const [i, j] = [r.int(lines.length), r.int(lines.length)];
    [lines[i], lines[j]] = [lines[j], lines[i]];
    return [lines.join('\n'), `swapLines ${i + 1}/${j + 1}`];
  },
  truncate(text, r) {
    const at = r.int(text.length + 1);
    return [text.slice(0, at), `truncate at ${at}`];
  },
  unicode(text, r) {
    const at = r.int(text.length + 1);
    const insert = pick(r, UNICODE);
    return [splice(text, at, 0, insert), `unicode ${JSON.stringify(insert)} at ${at}`];
  },
  indentation(text, r) {
    const lines = text.split('\n');
    const i = r.int(lines.length);
    lines[i] = pick(r, [' ', '  ', '\t', '    ']) + lines[i];
    if (r.next() < 0.5) lines[i] = lines[i].trimStart();
    return [lines.join('\n'), `indentation line ${i + 1}`];
  },
  punctuation(text, r) {
    const at = r.int(text.length + 1);
    const insert = pick(r, ['[', ']', '{', '}', ',', ':', '-', '?', '#', '&', '*', '!', '|', '>', "'", '"', '%', '@', '`', '---', '...', ': ', '- ']);
    return [r.next() < 0.5 ? splice(text, at, 0, insert) : splice(text, at, 1, insert), `punctuation ${JSON.stringify(insert)} at ${at}`];
  },
};

/** Raw bytes: some replaced or inserted at random (may leave the file invalid UTF-8). */
function randomBytes(content: string | Buffer, r: Random): [Buffer, string] {
  let bytes = Buffer.from(content);
  const n = 1 + r.int(8);
  for (let k = 0; k < n; k++) {
    const at = r.int(bytes.length + 1);
    const byte = r.int(256);
    bytes = r.next() < 0.5 && at < bytes.length ? Buffer.concat([bytes.subarray(0, at), Buffer.from([byte]), bytes.subarray(at + 1)]) : Buffer.concat([bytes.subarray(0, at), Buffer.from([byte]), bytes.subarray(at)]);
  }
  return [bytes, `randomBytes ×${n}`];
}

/** One fuzz case: 1 to 3 mutations of `base`, chosen by `r`. */
export function mutate(base: string, r: Random): Mutated {
  const names = Object.keys(MUTATIONS);
  let text = base;
  const steps: string[] = [];
  const count = 1 + r.int(3);
  for (let k = 0; k < count; k++) {
    if (r.next() < 0.08) {
      const [bytes, what] = randomBytes(text, r);
      steps.push(what);
      return { content: bytes, steps };
    }
    const name = pick(r, names);
    const [next, what] = MUTATIONS[name](text, r);
    text = next;
    steps.push(what);
  }
  return { content: text, steps };
}

// load: YAML with positions kept, so that a problem found later points at FILE:LINE:COL.
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, formatLocated } from '../../src/config/errors.js';
import { failWith, loadFile, locate, parseSource } from '../../src/config/load.js';
import { configError, LECTURE, tempDir } from './support.js';

const TEXT = `name: demo
dataset: mnist-bundled
model:
  layers:
    - flatten
    - {type: dense, units: 10}
loss: crossEntropy
optimizers:
  - {name: SGD, type: sgd, lr: 0.1}
  - type: adam
    lr: 0.001
training: {epochs: 2}
`;

const syntaxProblems = (text: string) => {
  try {
    parseSource(text, 'x.yaml');
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return assert.fail('parsed');
};

describe('config/load', () => {
  it('parses to plain data and keeps the file name', () => {
    const source = parseSource(TEXT, 'demo.yaml');
    assert.equal(source.file, 'demo.yaml');
    assert.deepEqual((source.data as any).optimizers[1], { type: 'adam', lr: 0.001 });
    assert.deepEqual(source.overrides, []);
  });

  it('locates a value by key path, in block and flow style', () => {
    const source = parseSource(TEXT, 'demo.yaml');
    // locate sorts by position: the layer (line 6) comes first.
    const [c, a, b] = locate(source, [
      { path: ['optimizers', 0, 'lr'], message: 'm' },
      { path: ['optimizers', 1, 'lr'], message: 'm' },
      { path: ['model', 'layers', 1, 'units'], message: 'm' },
    ]);
    assert.deepEqual([c.line, c.col, c.path], [6, 28, 'model.layers[1].units']);
    assert.deepEqual([a.line, a.col, a.path], [9, 32, 'optimizers[0].lr']);
    assert.deepEqual([b.line, b.col, b.path], [11, 9, 'optimizers[1].lr']);
  });

  it('points at the key for problems marked at: key', () => {
    const source = parseSource(TEXT, 'demo.yaml');
    const [key] = locate(source, [{ path: ['training', 'epochs'], message: 'unknown', at: 'key' }]);
    const [value] = locate(source, [{ path: ['training', 'epochs'], message: 'bad' }]);
    assert.deepEqual([key.line, key.col], [12, 12]);
    assert.deepEqual([value.line, value.col], [12, 20]);
  });

  it('falls back to the nearest node that exists for a missing key', () => {
    const source = parseSource(TEXT, 'demo.yaml');
    const [missing] = locate(source, [{ path: ['optimizers', 1, 'betas'], message: 'm' }]);
    assert.deepEqual([missing.line, missing.col], [10, 5], 'the mapping of optimizers[1]');
    const [top] = locate(source, [{ path: ['seeds'], message: 'm' }]);
    assert.deepEqual([top.line, top.col], [1, 1]);
  });

  it('sorts problems by position and formats them FILE:LINE:COL path: message', () => {
    const source = parseSource(TEXT, 'demo.yaml');
    const located = locate(source, [
      { path: ['training', 'epochs'], message: 'second' },
      { path: ['name'], message: 'first' },
    ]);
    assert.deepEqual(located.map(formatLocated), ['demo.yaml:1:7 name: first', 'demo.yaml:12:20 training.epochs: second']);
  });

  it('failWith throws a located ConfigError, and nothing without problems', () => {
    const source = parseSource(TEXT, 'demo.yaml');
    assert.doesNotThrow(() => failWith(source, []));
    assert.throws(() => failWith(source, [{ path: ['loss'], message: 'no' }]), (e: ConfigError) => e instanceof ConfigError && e.message === 'demo.yaml:7:7 loss: no');
  });

  it('reports YAML syntax errors at their line, one per line', () => {
    const problems = syntaxProblems('name: demo\nloss: [crossEntropy\noptimizers: [sgd]\n');
    assert.equal(problems.length, 1, problems.map(formatLocated).join('\n'));
    assert.deepEqual([problems[0].line, problems[0].col], [2, 7]);
    assert.match(problems[0].message, /YAML syntax: this \[ is never closed; add \]/);
  });

  it('names a duplicate key and points at its second appearance', () => {
    const [problem] = syntaxProblems('name: demo\ntraining:\n  epochs: 1\n  epochs: 2\n');
    assert.deepEqual([problem.line, problem.col], [4, 3]);
    assert.match(problem.message, /duplicate key 'epochs'/);
  });

  it('runs no code: custom tags are errors, also in a nested value', () => {
    for (const tag of ['!!js/function', '!!js/regexp', '!!python/object', '!include', '!env']) {
      const [problem] = syntaxProblems(`name: demo\noptimizers:\n  - {type: sgd, lr: ${tag} x}\n`);
      assert.equal(problem.line, 3);
      assert.ok(problem.message.includes(`unknown tag ${tag} (custom tags are not allowed`), problem.message);
    }
  });

  it('reads YAML 1.2: yes/no/on/off are strings, 0o17 octal, .inf infinity', () => {
    const data = parseSource('a: yes\nb: off\nc: 0o17\nd: .inf\ne: 1.0e-4\n', 'x.yaml').data;
    assert.deepEqual(data, { a: 'yes', b: 'off', c: 15, d: Infinity, e: 1e-4 });
  });

  it('bounds alias expansion ("billion laughs")', () => {
    const lines = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 8; i++) lines.push(`${'abcdefgh'[i]}: &${'abcdefgh'[i]} [${Array(10).fill(`*${'abcdefgh'[i - 1]}`).join(', ')}]`);
    const started = Date.now();
    const [problem] = syntaxProblems(lines.join('\n') + '\n');
    assert.match(problem.message, /aliases expand too far/);
    assert.deepEqual([problem.line, problem.col], [2, 8], 'at the first alias');
    assert.ok(Date.now() - started < 1000, `took ${Date.now() - started} ms`);
  });

  it('treats an empty file and a comments-only file as empty, at 1:1', () => {
    for (const text of ['', '\n\n', '# just a comment\n']) {
      const [problem] = syntaxProblems(text);
      assert.deepEqual([problem.line, problem.col], [1, 1]);
      assert.match(problem.message, /the file is empty/);
    }
  });

  it('loadFile reads a file, and says "file not found" or "is a directory" without a stack', async () => {
    const source = await loadFile(LECTURE);
    assert.equal((source.data as { name: string }).name, 'lecture-25-optimizers');
    const { dir, cleanup } = tempDir();
    try {
      const missing = await configError(loadFile(join(dir, 'nope.yaml')));
      assert.equal(missing.message, `${join(dir, 'nope.yaml')} file not found`);
      mkdirSync(join(dir, 'exp.yaml'));
      const directory = await configError(loadFile(join(dir, 'exp.yaml')));
      assert.match(directory.message, /exp\.yaml is a directory/);
      writeFileSync(join(dir, 'bad.yaml'), 'name: [x\n');
      const bad = await configError(loadFile(join(dir, 'bad.yaml')));
      assert.equal(bad.problems[0].file, join(dir, 'bad.yaml'));
    } finally {
      cleanup();
    }
  });
});

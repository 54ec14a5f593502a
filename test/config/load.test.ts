// load: YAML with positions kept, so that a problem found later points at FILE:LINE:COL.
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, formatLocated } from '../../src/util/errors.js';
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

  it('reads YAML 1.2: yes/no/on/off are strings, .inf infinity, 010 ten', () => {
    const data = parseSource('a: yes\nb: off\nc: 010\nd: .inf\ne: 1.0e-4\nf: "0x10"\ng: 0b101\n', 'x.yaml').data;
    assert.deepEqual(data, { a: 'yes', b: 'off', c: 10, d: Infinity, e: 1.0e-4, f: '0x10', g: '0b101' });
  });

  it('refuses numbers written in hexadecimal or octal, at their position', () => {
    const problems = syntaxProblems('name: demo\ntraining: {epochs: 0x10}\nseeds: [1, 0o17]\n0x20: x\n');
    assert.deepEqual(
      problems.map((p) => [p.line, p.col, p.path, p.message]),
      [
        [2, 20, 'training.epochs', 'write numbers in decimal (got 0x10)'],
        [3, 12, 'seeds[1]', 'write numbers in decimal (got 0o17)'],
        [4, 1, '', 'write numbers in decimal (got 0x20)'],
      ],
    );
  });

  describe('YAML merge keys (<<)', () => {
    const MERGED = `optimizers:
  - &adam {name: Adam, type: adam, lr: 0.001, betas: [0.9, 0.99]}
  - {<<: *adam, name: Adam slow, lr: 0.0003}
  - <<: [*adam, {type: sgd, momentum: 0.9, lr: 0.5}]
    name: both
  - &base {type: sgd, lr: 0.1}
  - {<<: {<<: *base, momentum: 0.5}, name: nested}
`;

    it('merge as YAML 1.1 does: explicit keys override, a list merges in order (earlier first)', () => {
      const { optimizers } = parseSource(MERGED, 'x.yaml').data as { optimizers: unknown[] };
      assert.deepEqual(optimizers[1], { name: 'Adam slow', type: 'adam', lr: 0.0003, betas: [0.9, 0.99] });
      assert.deepEqual(optimizers[2], { name: 'both', type: 'adam', lr: 0.001, betas: [0.9, 0.99], momentum: 0.9 });
      assert.deepEqual(optimizers[4], { type: 'sgd', lr: 0.1, momentum: 0.5, name: 'nested' });
    });

    it('locate a merged value where the anchor wrote it, and an explicit one where it is', () => {
      const source = parseSource(MERGED, 'x.yaml');
      const at = (path: (string | number)[], on: 'key' | 'value' = 'value') => {
        const [p] = locate(source, [{ path, message: 'm', at: on }]);
        return [p.line, p.col];
      };
      assert.deepEqual(at(['optimizers', 1, 'betas', 1]), [2, 60], 'from *adam');
      assert.deepEqual(at(['optimizers', 1, 'lr']), [3, 38], 'its own lr');
      assert.deepEqual(at(['optimizers', 2, 'momentum'], 'key'), [4, 29], 'from the second mapping of the list');
      assert.deepEqual(at(['optimizers', 2, 'lr']), [2, 40], 'the first mapping of the list wins');
      assert.deepEqual(at(['optimizers', 4, 'lr']), [6, 27], 'through a merge inside a merge');
    });

    it('refuse a merge of something that is not a mapping, at the value', () => {
      for (const [value, found] of [['1', "'1'"], ['*list', '*list (a list)'], ['[*map, [1]]', 'a list inside the list']]) {
        const problems = syntaxProblems(`a: &list [1]\nb: &map {x: 1}\nc: {<<: ${value}}\n`);
        assert.deepEqual(
          problems.map((p) => [p.line, p.col, p.path, p.message]),
          [[3, 9, 'c', `YAML merge key: << takes an anchored mapping (<<: *name) or a list of them (<<: [*a, *b]), not ${found}`]],
        );
      }
    });

    it('keep the alias bounds: a "billion laughs" of merges, and a merge of its own anchor, are refused quickly', () => {
      const lines = ['a: &a {a0: x, a1: x, a2: x, a3: x, a4: x, a5: x, a6: x, a7: x, a8: x, a9: x}'];
      for (let i = 1; i < 9; i++) {
        const [name, before] = ['abcdefghi'[i], 'abcdefghi'[i - 1]];
        lines.push(`${name}: &${name} {${Array.from({ length: 10 }, (_, k) => `${name}${k}: {<<: *${before}}`).join(', ')}}`);
      }
      const started = Date.now();
      const [laughs] = syntaxProblems(lines.join('\n') + '\n');
      assert.match(laughs.message, /aliases expand too far/);
      assert.ok(Date.now() - started < 1000, `took ${Date.now() - started} ms`);
      const [self] = syntaxProblems('a: &a {x: 1, b: {<<: *a}}\n');
      assert.match(self.message, /alias \*a is inside its own anchor &a/);
    });

    it('a plain << is a merge key; a quoted one is a key like any other', () => {
      assert.deepEqual(parseSource('a: &a {x: 1}\nb: {"<<": *a}\n', 'x.yaml').data, { a: { x: 1 }, b: { '<<': { x: 1 } } });
    });
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

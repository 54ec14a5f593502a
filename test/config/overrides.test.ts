// --set PATH=VALUE (and --epochs N): values read as YAML, validated like the file's, and problems
// with them name the flag instead of a line.
import assert from 'node:assert/strict';
import { UserError, ConfigError, formatLocated } from '../../src/util/errors.js';
import { locate, parseSource } from '../../src/config/load.js';
import { applyOverrides, parseKeyPath } from '../../src/config/overrides.js';
import { prepare } from '../../src/config/pipeline.js';
import { configError, fromRoot, LECTURE, runCliInProcess, stackLines } from './support.js';

const TEXT = `name: demo
dataset: mnist-bundled
model: {layers: [flatten, {type: dense, units: 10}]}
loss: crossEntropy
optimizers:
  - {name: SGD, type: sgd, lr: 0.1}
  - adam
`;
const set = (...texts: string[]) => texts.map((text) => ({ flag: '--set', text }));
const apply = (...texts: string[]) => applyOverrides(parseSource(TEXT, 'demo.yaml'), set(...texts));

describe('config/overrides', () => {
  it('parses key paths with dots and indices', async () => {
    assert.deepEqual(parseKeyPath('optimizers[2].lr'), ['optimizers', 2, 'lr']);
    assert.deepEqual(parseKeyPath('model.layers[0][1].units'), ['model', 'layers', 0, 1, 'units']);
    assert.deepEqual(parseKeyPath('training.batchSize'), ['training', 'batchSize']);
    for (const bad of ['', 'a..b', '.a', '[0]', 'a[x]', 'a b', 'a[-1]', 'a.', 'a.0']) assert.equal(parseKeyPath(bad), undefined, bad);
  });

  it('reads values as YAML and leaves the original document alone', async () => {
    const original = parseSource(TEXT, 'demo.yaml');
    const before = JSON.stringify(original.data);
    const changed = applyOverrides(original, set('optimizers[0].lr=1e-3', 'seeds=[0, 1]', 'training.shuffle=false', 'description=hello: world'));
    const data = changed.data as any;
    assert.equal(data.optimizers[0].lr, 0.001);
    assert.deepEqual(data.seeds, [0, 1]);
    assert.deepEqual(data.training, { shuffle: false });
    assert.equal(JSON.stringify(original.data), before);
    assert.equal(original.doc.getIn(['optimizers', 0, 'lr']), 0.1);
  });

  it('turns a plugin given by bare name into a mapping to set one of its params', async () => {
    const data = apply('loss.labelSmoothing=0.1', 'optimizers[1].lr=0.01', 'dataset.trainSize=500').data as any;
    assert.deepEqual(data.loss, { type: 'crossEntropy', labelSmoothing: 0.1 });
    assert.deepEqual(data.optimizers[1], { type: 'adam', lr: 0.01 });
    assert.deepEqual(data.dataset, { type: 'mnist-bundled', trainSize: 500 });
  });

  it('replaces a whole plugin spec', async () => {
    const data = apply('optimizers[1]={type: sgd, momentum: 0.5}').data as any;
    assert.deepEqual(data.optimizers[1], { type: 'sgd', momentum: 0.5 });
  });

  it('rejects a malformed path, saying what a path looks like', async () => {
    for (const text of ['lr', 'optimizers..lr=1', '=3', 'optimizers[0]lr=1']) {
      assert.throws(() => apply(text), (e: Error) => e instanceof UserError && !(e instanceof ConfigError) && /expected PATH=VALUE, e\.g\. --set optimizers\[0\]\.lr=0\.01/.test(e.message), text);
    }
  });

  it('rejects an index out of range, giving the valid ones', async () => {
    assert.throws(() => apply('optimizers[2].lr=1'), /--set optimizers\[2\]\.lr=1: optimizers is a list of 2 in demo\.yaml; use optimizers\[0\] to optimizers\[1\]/);
    assert.throws(() => apply('optimizers.lr=1'), /optimizers is a list of 2/);
  });

  it('rejects a path through a single value', async () => {
    assert.throws(() => apply('name.first=x'), /--set name\.first=x: name is a single value in demo\.yaml, not a mapping or a list/);
  });

  it('names the flag, not a line, for a problem in an overridden value; file problems keep their lines', async () => {
    const error = await configError(
      prepare(fromRoot('test', 'fixtures', 'bad', 'negative-lr.yaml'), { sets: set('training.batchSize=0', 'optimizers[2].momentum=0.5') }),
    );
    const lines = error.problems.map(formatLocated);
    const file = fromRoot('test', 'fixtures', 'bad', 'negative-lr.yaml');
    assert.ok(lines.includes(`${file} (--set training.batchSize=0) training.batchSize: must be >= 1 (got 0)`), lines.join('\n'));
    assert.ok(
      lines.some((l) => l.startsWith(`${file} (--set optimizers[2].momentum=0.5) optimizers[2].momentum: unknown parameter 'momentum' for optimizer 'adam'`)),
      lines.join('\n'),
    );
    assert.ok(lines.includes(`${file}:9:32 optimizers[0].lr: must be > 0 (got -0.1)`), lines.join('\n'));
    const flagged = error.problems.filter((p) => p.flag);
    assert.ok(flagged.every((p) => p.line === undefined && p.col === undefined));
  });

  it('names the flag for a problem at a key the flag created, even above the path it set', async () => {
    const error = await configError(prepare(LECTURE, { sets: set('training.foo.bar=1') }));
    assert.deepEqual(error.problems.map(formatLocated), [
      `${LECTURE} (--set training.foo.bar=1) training.foo: unknown key 'foo' (valid: epochs, batchSize, shuffle, evalBatchSize, divergeAbove, order, logEvery, clipGradNorm, clipGradValue, earlyStopping, samples)`,
    ]);
    const deeper = await configError(prepare(LECTURE, { sets: set('limits.memoryMB=100', 'dataset.validation.seed=1') }));
    assert.deepEqual(
      deeper.problems.map((p) => [p.flag, p.path, p.line]),
      [['--set dataset.validation.seed=1', 'dataset.validation', undefined]],
      'missing fraction: in the mapping the flag created',
    );
  });

  it('keeps the file position of a bare plugin name a flag turned into a mapping', async () => {
    const source = parseSource(TEXT.replace('loss: crossEntropy', 'loss: crossEntropyy'), 'demo.yaml');
    const changed = applyOverrides(source, set('loss.labelSmoothing=0.1'));
    const [problem] = locate(changed, [{ path: ['loss', 'type'], message: 'unknown loss' }]);
    assert.deepEqual([problem.line, problem.col, problem.flag], [4, 7, undefined], 'the name is the file\'s, on its line');
    const [param] = locate(changed, [{ path: ['loss', 'labelSmoothing'], message: 'm' }]);
    assert.equal(param.flag, '--set loss.labelSmoothing=0.1');
  });

  it('reads values by the rules of experiment files: no custom tags, decimal numbers, as a UserError naming the flag', async () => {
    const emitted: unknown[] = [];
    const emitWarning = process.emitWarning;
    process.emitWarning = ((warning: unknown) => void emitted.push(warning)) as typeof process.emitWarning;
    try {
      const cases: [string, RegExp][] = [
        ['name=!!js/function x', /^--set name=!!js\/function x: YAML syntax: unknown tag !!js\/function \(custom tags are not allowed/],
        ['training.epochs=0x10', /^--set training\.epochs=0x10: write numbers in decimal \(got 0x10\)$/],
        ['seeds=[1, 0o7]', /^--set seeds=\[1, 0o7\]: write numbers in decimal \(got 0o7\)$/],
        ['seeds=[*a]', /^--set seeds=\[\*a\]: YAML alias \*a refers to no anchor/],
        ['description={a: 1, a: 2}', /^--set description=\{a: 1, a: 2\}: YAML syntax: duplicate key 'a'/],
      ];
      for (const [text, message] of cases) {
        assert.throws(() => apply(text), (e: Error) => e instanceof UserError && !(e instanceof ConfigError) && message.test(e.message), text);
      }
    } finally {
      process.emitWarning = emitWarning;
    }
    assert.deepEqual(emitted, [], 'nothing printed by yaml itself');
    assert.equal((apply("name='0x10'").data as { name: string }).name, '0x10', 'a quoted 0x10 is a string');
    assert.equal((apply('description=').data as { description: unknown }).description, null, 'an empty value is null, as in a file');
  });

  it('sets one part of a value that came from a YAML merge key or an alias, leaving the anchor alone', async () => {
    const text = `name: demo
dataset: mnist-bundled
model: {layers: [flatten, {type: dense, units: 10}]}
loss: crossEntropy
optimizers:
  - &adam {name: Adam, type: adam, lr: 0.001, betas: [0.9, 0.99]}
  - {<<: *adam, name: Adam slow, lr: 0.0001}
  - *adam
`;
    const source = applyOverrides(parseSource(text, 'merge.yaml'), set('optimizers[1].betas[0]=0.8', 'optimizers[2].name=Adam again'));
    const data = source.data as { optimizers: Record<string, unknown>[] };
    assert.deepEqual(data.optimizers[0], { name: 'Adam', type: 'adam', lr: 0.001, betas: [0.9, 0.99] });
    assert.deepEqual(data.optimizers[1], { name: 'Adam slow', type: 'adam', lr: 0.0001, betas: [0.8, 0.99] });
    assert.deepEqual(data.optimizers[2], { name: 'Adam again', type: 'adam', lr: 0.001, betas: [0.9, 0.99] });
    // The values the flags did not touch still point at the anchor's line.
    const [beta, lr] = locate(source, [
      { path: ['optimizers', 1, 'betas', 1], message: 'm' },
      { path: ['optimizers', 2, 'lr'], message: 'm' },
    ]);
    assert.deepEqual([beta.line, beta.flag, lr.line, lr.flag], [6, undefined, 6, undefined]);
  });

  it('a valid override reaches the plan, which records it', async () => {
    const { plan } = await prepare(LECTURE, { sets: set('training.epochs=1', 'optimizers[2].lr=0.01') });
    assert.equal(plan.config.training.epochs, 1);
    assert.equal(plan.trials[2].optimizer.lr, 0.01);
    assert.deepEqual(plan.overrides, ['training.epochs=1', 'optimizers[2].lr=0.01']);
  });

  it('on the command line: --epochs N is training.epochs, and its problems name --epochs N', async () => {
    const ok = await runCliInProcess(['plan', 'experiments/lecture-25-optimizers.yaml', '--epochs', '2', '--set', 'seeds=[1]']);
    assert.equal(ok.status, 0, ok.stderr);
    const plan = JSON.parse(ok.stdout);
    assert.equal(plan.config.training.epochs, 2);
    assert.deepEqual(plan.trials.map((t: { id: string }) => t.id), ['sgd/seed-1', 'sgd-with-momentum/seed-1', 'adam/seed-1']);
    const bad = await runCliInProcess(['validate', 'experiments/lecture-25-optimizers.yaml', '--epochs', '0']);
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /^experiments\/lecture-25-optimizers\.yaml \(--epochs 0\) training\.epochs: must be >= 1 \(got 0\)$/m);
    const path = await runCliInProcess(['validate', 'experiments/lecture-25-optimizers.yaml', '--set', 'optimizers[9].lr=1']);
    assert.equal(path.status, 2);
    assert.match(path.stderr, /use optimizers\[0\] to optimizers\[2\]/);
    assert.deepEqual(stackLines(bad.stderr + path.stderr), []);
  });
});

// The import graph of src/ follows the design's arrows (design.md, "Layout"): a test that fails
// when a module reaches somewhere it must not, so the seams stay seams.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { fromRoot } from './config/support.js';

const SRC = fromRoot('src');

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sources(path) : name.endsWith('.ts') ? [path] : [];
  });
}

interface Edge {
  from: string;
  to: string;
  typeOnly: boolean;
}

/** Every import of a file that stays inside src/, as paths relative to src/. */
function importsOf(file: string): Edge[] {
  const text = readFileSync(file, 'utf8');
  const edges: Edge[] = [];
  const pattern = /(?:^|\n)\s*(import|export)\s+(type\s+)?[^'";]*?from\s+'([^']+)'|import\(\s*'([^']+)'\s*\)/g;
  for (const m of text.matchAll(pattern)) {
    const spec = m[3] ?? m[4]!;
    if (!spec.startsWith('.')) continue;
    const to = relative(SRC, normalize(join(dirname(file), spec))).replace(/\.js$/, '.ts');
    edges.push({ from: relative(SRC, file), to, typeOnly: Boolean(m[2]) });
  }
  return edges;
}

/** 'config', 'runner', ..., 'cli' for src/cli.ts. */
const area = (path: string): string => (path.includes('/') ? path.split('/')[0]! : path.replace(/\.ts$/, ''));

const edges = sources(SRC).flatMap(importsOf);
const violations = (rule: (e: Edge) => boolean): string[] => edges.filter(rule).map((e) => `${e.from} → ${e.to}${e.typeOnly ? ' (type)' : ''}`);

describe('architecture: the import graph', () => {
  it('sees the imports (a sanity check of the scan itself)', () => {
    assert.ok(edges.length > 200, `${edges.length} imports`);
    assert.ok(edges.some((e) => e.from === 'cli.ts' && e.to === 'config/pipeline.ts'));
  });

  it('config imports neither runner, reporters, commands nor kernels, and no TF.js at run time', () => {
    assert.deepEqual(violations((e) => area(e.from) === 'config' && ['runner', 'reporters', 'commands', 'kernels', 'cli'].includes(area(e.to))), []);
    const tfjs = sources(join(SRC, 'config')).filter((f) => /^\s*import\s+(?!type\b)[^;]*from\s+'@tensorflow/m.test(readFileSync(f, 'utf8')));
    assert.deepEqual(tfjs, []);
  });

  it('runner imports neither reporters nor commands', () => {
    assert.deepEqual(violations((e) => area(e.from) === 'runner' && ['reporters', 'commands', 'cli'].includes(area(e.to))), []);
  });

  it('reporters import neither runner nor commands', () => {
    assert.deepEqual(violations((e) => area(e.from) === 'reporters' && ['runner', 'commands', 'cli'].includes(area(e.to))), []);
  });

  it('run-log and util are leaves: they import nothing of trainyard above them', () => {
    assert.deepEqual(violations((e) => area(e.from) === 'run-log' && area(e.to) !== 'run-log'), []);
    assert.deepEqual(violations((e) => area(e.from) === 'util' && area(e.to) !== 'util'), []);
  });

  it('a plugin never imports a backend, and kernels only through their interface', () => {
    const isPlugin = (p: string) => /^registry\/(datasets|transforms|layers|losses|optimizers|schedules|metrics)\//.test(p);
    assert.deepEqual(violations((e) => isPlugin(e.from) && (e.to.startsWith('registry/backends/') || (e.to.startsWith('kernels/') && e.to !== 'kernels/index.ts'))), []);
  });

  it('kernels know no plugin, runner, config or reporter', () => {
    assert.deepEqual(violations((e) => area(e.from) === 'kernels' && (['runner', 'config', 'reporters', 'commands'].includes(area(e.to)) || /^registry\/(?!kinds\.ts)/.test(e.to))), []);
  });

  it('only the CLI and the commands import commands', () => {
    assert.deepEqual(violations((e) => area(e.to) === 'commands' && !['commands', 'cli'].includes(area(e.from))), []);
  });
});

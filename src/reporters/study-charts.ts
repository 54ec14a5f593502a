// The charts of a study, drawn from its statistics (metrics.json `groups`, `selection`): the
// sensitivity to a swept value (DeepOBS's chart, one line per optimizer with its band), a heatmap
// for two swept values, and the fraction of trials that reached each target against seconds.
import { CONFIG, DASHES, FORMAT, HEIGHT, percentFormat, WIDTH } from './chart-style.js';
import type { ChartSpec } from './charts.js';
import { colorMap } from './colors.js';
import { figureWords, type ChartRun } from './series.js';
import { reportFigure, type Group } from './study.js';

const SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';

/** The swept paths of a run's groups, in the order its groups name them. */
const sweptPaths = (groups: readonly Group[]): string[] => [...new Set(groups.flatMap((g) => Object.keys(g.key).filter((k) => k !== 'optimizer')))];

/** 'optimizers[*].lr' → 'lr', as an axis says it. */
const shortPath = (path: string): string => path.replace(/^.*[.\]]/, '');

const isPercent = (figure: string): boolean => /accuracy/i.test(figure);

function color(names: readonly string[]): Record<string, unknown> {
  const colors = colorMap(names);
  return { field: 'optimizer', type: 'nominal', title: 'optimizer', scale: { domain: names, range: names.map((n) => colors.get(n)) } };
}

const suffix = (runs: readonly ChartRun[], run: ChartRun): { name: string; title: string } =>
  runs.length > 1 ? { name: `-${runs.indexOf(run) + 1}`, title: ` (${run.label})` } : { name: '', title: '' };

/** Final figure against one swept value: mean and band per optimizer, a log axis where the values span decades. */
function sensitivity(runs: readonly ChartRun[], run: ChartRun, path: string, figure: string, among: readonly Group[]): ChartSpec | undefined {
  const groups = among.filter((g) => typeof g.key[path] === 'number');
  // Only paths that vary alone: with two swept values the heatmap shows them.
  const rows = groups.map((g) => {
    const s = g.final[figure];
    return { optimizer: g.key.optimizer, x: g.key[path] as number, mean: s?.mean ?? null, lo: s?.ci95[0] ?? null, hi: s?.ci95[1] ?? null, n: g.n, diverged: g.diverged, failed: g.failed };
  });
  if (new Set(rows.map((r) => r.x)).size < 2) return undefined;
  const xs = rows.map((r) => r.x);
  const log = xs.every((x) => x > 0) && Math.max(...xs) / Math.min(...xs) >= 10;
  const names = [...new Set(rows.map((r) => r.optimizer))];
  const percent = isPercent(figure);
  const format = percent ? FORMAT.percent : FORMAT.value;
  const words = figureWords(figure);
  const x = { field: 'x', type: 'quantitative', title: `${path}${log ? ' (log scale)' : ''}`, scale: log ? { type: 'log', nice: false } : { zero: false }, axis: log ? { format: '~g' } : {} };
  const y = { field: 'mean', type: 'quantitative', title: `final ${words}`, scale: { zero: false }, axis: percent ? { format: percentFormat(rows.flatMap((r) => [r.lo, r.hi, r.mean])) } : {} };
  const tooltip = [
    { field: 'optimizer' },
    { field: 'x', title: path },
    { field: 'mean', title: `${words} (mean)`, format },
    { field: 'lo', title: '95% low', format },
    { field: 'hi', title: '95% high', format },
    { field: 'n', title: 'ok trials' },
    { field: 'diverged', title: 'diverged' },
  ];
  const { name, title } = suffix(runs, run);
  const seeds = Math.max(...groups.map((g) => g.trials.length));
  const legendColor = { ...color(names), legend: { symbolType: 'stroke', orient: 'bottom', direction: 'horizontal' } };
  return {
    name: `sensitivity-${shortPath(path).toLowerCase()}${name}`,
    title: `Sensitivity to ${shortPath(path)}${title}`,
    spec: {
      $schema: SCHEMA,
      title: {
        text: `Final ${words} against ${shortPath(path)}${title}`,
        subtitle: [`mean over ${seeds} seed${seeds === 1 ? '' : 's'} of each optimizer at each value; band: 95% bootstrap interval of the mean`, 'a gap: every trial there diverged or failed'],
      },
      width: WIDTH,
      height: HEIGHT,
      data: { values: rows },
      encoding: { x },
      layer: [
        // One legend for the three layers: the same colour encoding, legend and all, on each (Vega-Lite merges them; the first, the line, draws its symbols).
        { mark: { type: 'line', invalid: 'break-paths-filter-domains' }, encoding: { y, color: legendColor } },
        { mark: { type: 'area', opacity: 0.16, invalid: 'break-paths-filter-domains' }, encoding: { y: { ...y, field: 'lo' }, y2: { field: 'hi' }, color: legendColor } },
        { mark: { type: 'point', filled: true, invalid: 'filter' }, encoding: { y, tooltip, color: legendColor } },
      ],
      config: CONFIG,
    },
  };
}

/** Seconds per epoch against one swept value (a batch size's cost beside its accuracy): the mean over each group's epochs and seeds. */
function secondsAgainst(runs: readonly ChartRun[], run: ChartRun, path: string, among: readonly Group[]): ChartSpec | undefined {
  const byId = new Map(run.metrics.trials.map((t) => [t.id, t]));
  const rows = among
    .filter((g) => typeof g.key[path] === 'number')
    .flatMap((g) => {
      const seconds = g.trials.flatMap((id) => byId.get(id)?.epochs.map((e) => e.seconds) ?? []).filter((v) => Number.isFinite(v));
      return seconds.length ? [{ optimizer: g.key.optimizer, x: g.key[path] as number, seconds: seconds.reduce((a, b) => a + b, 0) / seconds.length, min: Math.min(...seconds), max: Math.max(...seconds), epochs: seconds.length }] : [];
    });
  if (new Set(rows.map((r) => r.x)).size < 2) return undefined;
  const xs = rows.map((r) => r.x);
  const log = xs.every((x) => x > 0) && Math.max(...xs) / Math.min(...xs) >= 10;
  const ys = rows.flatMap((r) => [r.min, r.max]);
  const logY = ys.every((y) => y > 0) && Math.max(...ys) / Math.min(...ys) >= 10;
  const names = [...new Set(rows.map((r) => r.optimizer))];
  const legendColor = { ...color(names), legend: { symbolType: 'stroke', orient: 'bottom', direction: 'horizontal' } };
  const y = { field: 'seconds', type: 'quantitative', title: `seconds per epoch${logY ? ' (log scale)' : ''}`, scale: logY ? { type: 'log', nice: false } : { zero: true }, axis: logY ? { format: '~g' } : {} };
  const { name, title } = suffix(runs, run);
  return {
    name: `seconds-per-epoch-${shortPath(path).toLowerCase()}${name}`,
    title: `Seconds per epoch against ${shortPath(path)}${title}`,
    spec: {
      $schema: SCHEMA,
      title: { text: `Seconds per epoch against ${shortPath(path)}${title}`, subtitle: ['mean over every epoch and seed of each optimizer at each value; band: fastest to slowest epoch'] },
      width: WIDTH,
      height: HEIGHT,
      data: { values: rows },
      encoding: { x: { field: 'x', type: 'quantitative', title: `${path}${log ? ' (log scale)' : ''}`, scale: log ? { type: 'log', nice: false } : { zero: false }, axis: log ? { format: '~g' } : {} } },
      layer: [
        { mark: { type: 'line' }, encoding: { y, color: legendColor } },
        { mark: { type: 'area', opacity: 0.16 }, encoding: { y: { ...y, field: 'min' }, y2: { field: 'max' }, color: legendColor } },
        {
          mark: { type: 'point', filled: true },
          encoding: { y, color: legendColor, tooltip: [{ field: 'optimizer' }, { field: 'x', title: path }, { field: 'seconds', title: 'seconds per epoch (mean)', format: '.2f' }, { field: 'min', title: 'fastest', format: '.2f' }, { field: 'max', title: 'slowest', format: '.2f' }, { field: 'epochs', title: 'epochs measured' }] },
        },
      ],
      config: CONFIG,
    },
  };
}

/** Two swept values: a heatmap per optimizer of its final figure's mean. */
function heatmap(runs: readonly ChartRun[], run: ChartRun, paths: [string, string], figure: string): ChartSpec | undefined {
  const [a, b] = paths;
  const rows = run.statistics!.groups
    .filter((g) => g.key[a] !== undefined && g.key[b] !== undefined)
    .map((g) => ({ optimizer: g.key.optimizer, a: String(g.key[a]), b: String(g.key[b]), av: g.key[a], bv: g.key[b], mean: g.final[figure]?.mean ?? null, n: g.n, diverged: g.diverged }));
  if (rows.length < 2) return undefined;
  const order = (field: 'av' | 'bv', label: 'a' | 'b') => [...new Map(rows.map((r) => [r[label], r[field]])).entries()].sort((p, q) => Number(p[1]) - Number(q[1])).map(([l]) => l);
  const percent = isPercent(figure);
  const words = figureWords(figure);
  const lower = /loss|error/i.test(figure);
  const { name, title } = suffix(runs, run);
  const optimizers = [...new Set(rows.map((r) => r.optimizer))];
  const means = rows.map((r) => r.mean).filter((m): m is number => m !== null);
  const [least, most] = [Math.min(...means), Math.max(...means)];
  const light = lower ? least + 0.4 * (most - least) : least + 0.6 * (most - least);
  const columns = Math.min(optimizers.length, 3);
  const cell = Math.floor((WIDTH - 40) / columns);
  return {
    name: `heatmap-${shortPath(a).toLowerCase()}-${shortPath(b).toLowerCase()}${name}`,
    title: `${shortPath(a)} x ${shortPath(b)}${title}`,
    spec: {
      $schema: SCHEMA,
      title: { text: `Final ${words}: ${shortPath(a)} x ${shortPath(b)}${title}`, subtitle: ['mean over the seeds of each cell; an empty cell: every trial there diverged or failed'] },
      data: { values: rows },
      facet: { field: 'optimizer', type: 'nominal', title: null, sort: optimizers },
      columns,
      spec: {
        width: cell,
        height: cell,
        encoding: {
          x: { field: 'a', type: 'ordinal', title: a, sort: order('av', 'a') },
          y: { field: 'b', type: 'ordinal', title: b, sort: order('bv', 'b') },
        },
        layer: [
          {
            mark: { type: 'rect', invalid: 'filter' },
            encoding: {
              color: { field: 'mean', type: 'quantitative', title: words, scale: { scheme: 'viridis', reverse: lower }, legend: { orient: 'bottom', direction: 'horizontal', format: percent ? '.0%' : '.3~g' } },
              tooltip: [{ field: 'optimizer' }, { field: 'a', title: a }, { field: 'b', title: b }, { field: 'mean', title: `${words} (mean)`, format: percent ? FORMAT.percent : FORMAT.value }, { field: 'n', title: 'ok trials' }, { field: 'diverged', title: 'diverged' }],
            },
          },
          // Dark text on viridis's light end, white on its dark end.
          { mark: { type: 'text', fontSize: 9, invalid: 'filter' }, encoding: { text: { field: 'mean', format: percent ? '.0%' : '.3~g' }, color: { condition: { test: `datum.mean ${lower ? '<' : '>'} ${light}`, value: '#1f2328' }, value: '#ffffff' } } },
        ],
      },
      config: CONFIG,
    },
  };
}

/** The fraction of each optimizer's trials (at its selected point) that reached each target, against seconds. */
function timeToTarget(runs: readonly ChartRun[]): ChartSpec | undefined {
  const rows: Record<string, unknown>[] = [];
  const targets = new Set<string>();
  for (const run of runs) {
    const stats = run.statistics;
    if (!stats) continue;
    const chosen = stats.selection.map((s) => stats.groups.find((g) => JSON.stringify(g.key) === JSON.stringify(s.key))).filter((g): g is Group => g !== undefined);
    const end = Math.max(0, ...run.metrics.trials.map((t) => t.epochs.at(-1)?.cumulativeSeconds ?? 0));
    for (const g of chosen) {
      for (const t of g.targets ?? []) {
        const label = runs.length > 1 ? `${run.label} / ${g.key.optimizer}` : g.key.optimizer;
        const target = String(t.value);
        targets.add(target);
        const times = t.perTrial.map((p) => p.seconds).filter((s): s is number => s !== null).sort((p, q) => p - q);
        const steps = [{ seconds: 0, fraction: 0 }, ...times.map((s, i) => ({ seconds: s, fraction: (i + 1) / t.of })), { seconds: end, fraction: times.length / t.of }];
        for (const p of steps) rows.push({ optimizer: label, target, ...p, reached: t.reached, of: t.of });
      }
    }
  }
  if (rows.length === 0) return undefined;
  const names = [...new Set(rows.map((r) => r.optimizer as string))];
  const targetList = [...targets];
  const selected = runs.some((r) => r.metrics.trials.some((t) => t.point !== undefined));
  return {
    name: 'time-to-target',
    title: 'Time to target',
    spec: {
      $schema: SCHEMA,
      title: { text: 'Trials that reached the target, over wall-clock time', subtitle: [`${selected ? 'each optimizer at its selected point; ' : ''}a diverged or failed trial never gets there; dash: the target value`] },
      width: WIDTH,
      height: HEIGHT,
      data: { values: rows },
      mark: { type: 'line', interpolate: 'step-after' },
      encoding: {
        x: { field: 'seconds', type: 'quantitative', title: 'seconds since the trial began', scale: { zero: true } },
        y: { field: 'fraction', type: 'quantitative', title: 'fraction of trials at the target', scale: { domain: [0, 1] }, axis: { format: '.0%' } },
        color: { ...color(names), legend: { symbolType: 'stroke', orient: 'bottom', direction: 'horizontal', columns: Math.min(names.length, 2) } },
        strokeDash: { field: 'target', type: 'nominal', title: 'target', scale: { domain: targetList, range: targetList.map((_, i) => DASHES[i % DASHES.length]) }, legend: { symbolType: 'stroke', orient: 'bottom', direction: 'horizontal' } },
        tooltip: [{ field: 'optimizer' }, { field: 'target' }, { field: 'seconds', format: FORMAT.seconds }, { field: 'fraction', format: '.0%' }, { field: 'reached' }, { field: 'of', title: 'trials' }],
      },
      config: CONFIG,
    },
  };
}

/** Every study chart the runs support. */
export function studyCharts(runs: readonly ChartRun[]): ChartSpec[] {
  const charts: ChartSpec[] = [];
  for (const run of runs) {
    const stats = run.statistics;
    if (!stats) continue;
    const available = Object.keys(stats.groups[0]?.final ?? {});
    const figure = reportFigure({ select: stats.selection[0] ? { metric: stats.selection[0].metric, mode: stats.selection[0].mode } : undefined }, available);
    const paths = sweptPaths(stats.groups);
    // Per optimizer, the paths that concern it: two of them make a heatmap, one a sensitivity line.
    const pairs = new Set<string>();
    for (const g of stats.groups) {
      const own = Object.keys(g.key).filter((k) => k !== 'optimizer');
      if (own.length === 2) pairs.add(JSON.stringify(own));
    }
    for (const pair of pairs) {
      const chart = heatmap(runs, run, JSON.parse(pair) as [string, string], figure);
      if (chart) charts.push(chart);
    }
    for (const path of paths) {
      const alone = stats.groups.filter((g) => g.key[path] !== undefined && Object.keys(g.key).length === 2);
      if (alone.length === 0 && pairs.size > 0) continue;
      const among = alone.length ? alone : stats.groups;
      const chart = sensitivity(runs, run, path, figure, among);
      if (chart) charts.push(chart);
      // What a training-side value (batch size, epochs, widths) costs in time, beside its accuracy.
      const cost = path.startsWith('optimizers') ? undefined : secondsAgainst(runs, run, path, among);
      if (cost) charts.push(cost);
    }
  }
  const ttt = timeToTarget(runs);
  if (ttt) charts.push(ttt);
  return charts;
}

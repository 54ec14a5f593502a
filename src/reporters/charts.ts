// Metrics → Vega-Lite specs. Pure: the same runs give the same specs, byte for byte, and the
// input is never mutated. Seeds are pooled here (mean, min, max) rather than with Vega-Lite
// transforms, so the spec's data says exactly what is drawn and NaN handling stays explicit.
import { CONFIG, DASHES, FORMAT, HEIGHT, percentFormat, WIDTH } from './chart-style.js';

export { percentFormat } from './chart-style.js';
import { colorMap } from './colors.js';
import { aggregate, epochSeconds, figureWords, groupSeries, hasField, maxSeeds, optimizerNames, otherFigures, stopMarks, swept, varies, type ChartRun, type EpochField } from './series.js';
import { studyCharts } from './study-charts.js';

export type VegaLiteSpec = Record<string, unknown>;

export interface ChartSpec {
  /** File name stem: charts/<name>.vl.json and charts/<name>.svg. */
  name: string;
  title: string;
  spec: VegaLiteSpec;
}

const SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';

/**
 * Click a legend entry to hide its series, click again to bring it back. The selection holds
 * the *shown* optimizers and starts with all of them, because Vega-Lite fades legend entries
 * outside a legend-bound selection: so hidden entries are the faded ones. (Vega-Lite 6 cannot
 * combine a legend binding with `clear`, so there is no double-click reset; hiding the last
 * shown series empties the selection, which shows them all.)
 */
const SHOW = 'show';
const shown = (opacity: number) => ({ condition: { param: SHOW, value: opacity }, value: 0 });
const showParam = (names: readonly string[]) => [{ name: SHOW, value: names.map((series) => ({ series })), select: { type: 'point', fields: ['series'], toggle: 'true' }, bind: 'legend' }];

/** A log axis reads better when every value is positive and they span most of a decade. */
export function useLog(values: readonly (number | null)[], ratio = 5): boolean {
  const v = values.filter((x): x is number => x !== null);
  return v.length > 1 && v.every((x) => x > 0) && Math.max(...v) / Math.min(...v) >= ratio;
}

/**
 * Colour by optimizer (stable, see colors.ts); in a comparison, dash by run. Every layer carries
 * the colour but only the one with the selection draws the legend: Vega-Lite merges layer legends
 * and would otherwise take a band's opacity for the legend symbols.
 */
function seriesEncoding(runs: readonly ChartRun[], legend: boolean, dashes = false): Record<string, unknown> {
  const names = optimizerNames(runs);
  const colors = colorMap(names);
  const encoding: Record<string, unknown> = {
    color: { field: 'series', type: 'nominal', title: runs.length > 1 ? 'run / optimizer' : 'optimizer', scale: { domain: names, range: names.map((n) => colors.get(n)) }, legend: legend ? legendOf(names) : null },
  };
  if (dashes && runs.length > 1) {
    const labels = runs.map((r) => r.label);
    encoding.strokeDash = { field: 'run', type: 'nominal', title: 'run', scale: { domain: labels, range: labels.map((_, i) => DASHES[i % DASHES.length]) }, legend: { symbolType: 'stroke' } };
  }
  return encoding;
}

const RESOLVE = { legend: { color: 'independent' } };

/** A legend that stays inside the card: below the plot, wrapping into columns that fit its width. */
function legendOf(names: readonly string[]): Record<string, unknown> {
  const longest = Math.max(8, ...names.map((n) => n.length));
  // About 7 px a character at 11 px, plus the symbol and the padding.
  const columns = Math.max(1, Math.min(names.length, Math.floor(WIDTH / (longest * 7 + 50))));
  return { symbolType: 'stroke', orient: 'bottom', direction: 'horizontal', columns, labelLimit: Math.floor(WIDTH / columns) - 30 };
}

/** What the band around a mean is, in words. */
const BAND_WORDS = { ci95: '95% bootstrap interval of the mean', minmax: 'min–max over seeds' } as const;

/** The subtitle's first line, true for each run: how many seeds each mean pools and what the band is. */
export function seedsLine(runs: readonly ChartRun[]): string | undefined {
  const counts = groupSeries(runs).map((g) => g.trials.length);
  const most = Math.max(0, ...counts);
  if (most <= 1) return undefined;
  const least = Math.min(...counts);
  const bands = [...new Set(runs.map((r) => r.band ?? 'minmax'))];
  return `mean over ${least === most ? most : `${least}–${most}`} seeds; shaded band: ${bands.map((b) => BAND_WORDS[b]).join(' or ')}`;
}

function subtitle(runs: readonly ChartRun[], parts: string[]): string[] {
  const first = seedsLine(runs);
  const selected = runs.some((r) => swept(r) && r.statistics) ? ['each optimizer at its selected sweep point (the Study section says which)'] : [];
  const lines = [...(first ? [first] : []), ...selected];
  const rest = parts.filter(Boolean).join('; ');
  return rest ? [...lines, rest] : lines;
}


interface EpochChartOptions {
  name: string;
  field: EpochField;
  title: string;
  /** Axis title without the scale note. */
  yTitle: string;
  x: 'epoch' | 'time';
  percent?: boolean;
  /** Consider a log axis (losses, learning rates). */
  log?: boolean;
  /** Draw as steps (a value that holds for the whole epoch, like the learning rate). */
  step?: boolean;
  /** What the value is, for the subtitle (axis titles must stay short: they are centred on the axis). */
  note?: string;
  /** Mark where diverged or failed trials stopped (not on the learning rate: it did not diverge). */
  stops?: boolean;
}

/** A value per epoch for every series: band (several seeds), line, points with tooltips, stop marks. */
function epochChart(runs: readonly ChartRun[], o: EpochChartOptions): ChartSpec {
  const points = aggregate(runs, o.field);
  const marks = o.stops === false ? [] : stopMarks(runs, o.field);
  const log = Boolean(o.log) && useLog([...points.map((p) => p.lo), ...points.map((p) => p.hi)]);
  const format = o.percent ? FORMAT.percent : FORMAT.value;
  const xField = o.x === 'epoch' ? 'epoch' : 'time';
  const x = o.x === 'epoch'
    ? { field: 'epoch', type: 'quantitative', title: 'epoch', axis: { tickMinStep: 1, format: 'd' }, scale: { nice: false } }
    : { field: 'time', type: 'quantitative', title: 'wall-clock time since the trial began (s)', scale: { zero: true }, axis: { tickCount: 8 } };
  const y = {
    field: 'value',
    type: 'quantitative',
    title: `${o.yTitle}${log ? ', log scale' : ''}`,
    scale: log ? { type: 'log', nice: false, padding: 6 } : { zero: false },
    // '~g' keeps log ticks short across many decades (1e+12, not 1,000,000,000,000).
    axis: o.percent ? { format: percentFormat([...points.map((p) => p.lo), ...points.map((p) => p.hi), ...points.map((p) => p.value)]) } : log ? { format: '~g' } : {},
  };
  const several = maxSeeds(runs) > 1;
  const tooltip = [
    { field: 'series', title: runs.length > 1 ? 'run / optimizer' : 'optimizer' },
    { field: 'epoch', title: 'epoch' },
    { field: 'value', title: several ? `${o.yTitle} (mean)` : o.yTitle, format },
    ...(several ? [{ field: 'lo', title: 'band low', format }, { field: 'hi', title: 'band high', format }, { field: 'min', title: 'min', format }, { field: 'max', title: 'max', format }, { field: 'seeds', title: 'seeds with a value' }] : []),
    { field: 'time', title: 'seconds', format: FORMAT.seconds },
  ];
  const interpolate = o.step ? { interpolate: 'step-after' } : {};
  const layer: Record<string, unknown>[] = [];
  if (several) {
    layer.push({
      mark: { type: 'area', invalid: 'break-paths-filter-domains', ...interpolate },
      encoding: { y: { ...y, field: 'lo' }, y2: { field: 'hi' }, opacity: shown(0.16), ...seriesEncoding(runs, false) },
    });
  }
  layer.push(
    {
      mark: { type: 'line', invalid: 'break-paths-filter-domains', ...interpolate },
      params: showParam(optimizerNames(runs)),
      encoding: { y, opacity: shown(1), order: { field: xField }, ...seriesEncoding(runs, true, true) },
    },
    {
      mark: { type: 'point', filled: true, invalid: 'filter' },
      encoding: { y, opacity: shown(maxEpochs(runs) <= 40 ? 1 : 0), tooltip, ...seriesEncoding(runs, false) },
    },
  );
  if (marks.length > 0) {
    const markEncoding = { x: { ...x, field: xField }, y: { ...y, field: 'value' }, opacity: shown(1), ...seriesEncoding(runs, false) };
    layer.push(
      {
        data: { values: marks },
        mark: { type: 'point', shape: 'cross', size: 150, filled: true, stroke: '#1f2328', strokeWidth: 0.8 },
        encoding: { ...markEncoding, tooltip: [{ field: 'series', title: 'trial' }, { field: 'seed', title: 'seed' }, { field: 'status', title: 'status' }, { field: 'epoch', title: 'last epoch' }, { field: 'message', title: 'why' }] },
      },
      {
        data: { values: marks },
        mark: { type: 'text', align: 'left', dx: 9, dy: -8, fontSize: 10, fontWeight: 600 },
        encoding: { ...markEncoding, text: { field: 'status' } },
      },
    );
  }
  const notes = [o.note ?? '', marks.length > 0 ? '✕ marks where a trial diverged or failed' : ''];
  return {
    name: o.name,
    title: o.title,
    spec: {
      $schema: SCHEMA,
      title: { text: o.title, subtitle: subtitle(runs, notes) },
      width: WIDTH,
      height: HEIGHT,
      data: { values: points },
      encoding: { x },
      layer,
      resolve: RESOLVE,
      config: CONFIG,
    },
  };
}

const maxEpochs = (runs: readonly ChartRun[]): number => Math.max(0, ...runs.flatMap((r) => r.metrics.trials.map((t) => t.epochs.length)));

/** Mean seconds per epoch of each series as bars, min–max as a whisker. */
function secondsChart(runs: readonly ChartRun[]): ChartSpec {
  const rows = epochSeconds(runs);
  const tooltip = [
    { field: 'series', title: runs.length > 1 ? 'run / optimizer' : 'optimizer' },
    { field: 'mean', title: 'mean seconds per epoch', format: '.2f' },
    { field: 'min', title: 'fastest epoch (s)', format: '.2f' },
    { field: 'max', title: 'slowest epoch (s)', format: '.2f' },
    { field: 'epochs', title: 'epochs measured' },
  ];
  const y = { field: 'series', type: 'nominal', title: null, sort: null, axis: { labelLimit: 220 } };
  return {
    name: 'seconds-per-epoch',
    title: 'Seconds per epoch',
    spec: {
      $schema: SCHEMA,
      title: { text: 'Seconds per epoch', subtitle: ['bar: mean over epochs and seeds; whisker: fastest to slowest epoch (the first includes warm-up)'] },
      width: WIDTH,
      height: { step: 26 },
      data: { values: rows },
      encoding: { y },
      layer: [
        {
          mark: { type: 'bar', cornerRadiusEnd: 2, height: { band: 0.62 } },
          // No legend: the axis names every bar, and the colours match the other charts.
          encoding: { x: { field: 'mean', type: 'quantitative', title: 'seconds per epoch (s)', scale: { zero: true }, axis: { tickCount: 6 } }, opacity: { value: 0.9 }, tooltip, ...seriesEncoding(runs, false) },
        },
        {
          mark: { type: 'rule', color: '#424a53', strokeWidth: 1.2, opacity: 0.8 },
          encoding: { x: { field: 'min', type: 'quantitative' }, x2: { field: 'max' }, tooltip },
        },
      ],
      config: CONFIG,
    },
  };
}

/** Every chart the metrics support, the lecture's two plots first. */
export function buildCharts(runs: readonly ChartRun[]): ChartSpec[] {
  const losses = [...new Set(runs.map((r) => r.loss).filter(Boolean))];
  const lossName = losses.length === 1 ? ` (${losses[0]})` : '';
  const charts: ChartSpec[] = [epochChart(runs, { name: 'train-loss', field: 'trainLoss', title: 'Training loss', yTitle: `training loss${lossName}`, x: 'epoch', log: true, note: "each epoch's mean batch loss" })];
  // Value targets (an autoencoder, a regression) have no accuracy: no empty chart for it.
  if (hasField(runs, 'testAccuracy')) charts.push(epochChart(runs, { name: 'test-accuracy', field: 'testAccuracy', title: 'Test accuracy', yTitle: 'test accuracy (%)', x: 'epoch', percent: true }));
  if (hasField(runs, 'testLoss')) charts.push(epochChart(runs, { name: 'test-loss', field: 'testLoss', title: 'Test loss', yTitle: `test loss${lossName}`, x: 'epoch', log: true }));
  if (hasField(runs, 'valLoss')) charts.push(epochChart(runs, { name: 'val-loss', field: 'valLoss', title: 'Validation loss', yTitle: `validation loss${lossName}`, x: 'epoch', log: true }));
  if (hasField(runs, 'valAccuracy')) charts.push(epochChart(runs, { name: 'val-accuracy', field: 'valAccuracy', title: 'Validation accuracy', yTitle: 'validation accuracy (%)', x: 'epoch', percent: true }));
  // Any other metric a run recorded (a user's metric plugin) gets its own chart per split.
  for (const field of otherFigures(runs)) {
    if (!hasField(runs, field)) continue;
    const words = figureWords(field);
    charts.push(epochChart(runs, { name: words.replace(/ /g, '-'), field, title: `${words.charAt(0).toUpperCase()}${words.slice(1)}`, yTitle: words, x: 'epoch' }));
  }
  charts.push(
    epochChart(runs, { name: 'loss-vs-time', field: 'trainLoss', title: 'Training loss over wall-clock time', yTitle: `training loss${lossName}`, x: 'time', log: true, note: 'one point per epoch' }),
    secondsChart(runs),
  );
  charts.push(...studyCharts(runs));
  if (varies(runs, 'lr')) charts.push(epochChart(runs, { name: 'learning-rate', field: 'lr', title: 'Learning rate', yTitle: 'learning rate in effect', x: 'epoch', log: true, step: true, stops: false }));
  return charts;
}

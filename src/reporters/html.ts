// report.html: one self-contained page (styles, scripts, chart specs and fallback SVGs inline), so
// it opens offline, from a mail attachment or a copied folder, exactly as it was built.
import { confusionSection, samplesSection, type SampleGrid } from './html-results.js';
import { Document, isMap, isSeq, visit } from 'yaml';
import { badge, duration, esc, scriptJson, utc } from './html-format.js';
import { CSS } from './html-style.js';
import { environmentTable, epochTables, problemList, runsTable, summaryTable } from './html-tables.js';
import type { RunRecord } from './run-record.js';
import { colorMap } from './colors.js';
import { optimizerNames, type ChartRun } from './series.js';
import { studySection } from './html-study.js';
import { summarize } from './summary.js';
import type { RenderedChart } from './svg.js';

export interface ReportPage {
  runs: readonly RunRecord[];
  /** The runs as the charts label them (the run id, or experiment and run id). */
  chartRuns: readonly ChartRun[];
  charts: readonly RenderedChart[];
  /** vega, vega-lite, vega-embed (see html-assets.ts). */
  scripts: readonly string[];
  trainyard: string;
  /** Reconstruction grids of a single run's directory, embedded. */
  grids?: readonly SampleGrid[];
}

/** The normalized config as YAML, as a person writes it: list items on one line each. */
export function configYaml(config: unknown): string {
  const doc = new Document(config);
  visit(doc, {
    Map(_, node, path) {
      if (isSeq(path[path.length - 1])) node.flow = true;
    },
    Seq(_, node) {
      if (node.items.every((item) => !isMap(item) && !isSeq(item))) node.flow = true;
    },
  });
  return doc.toString({ lineWidth: 0, flowCollectionPadding: false });
}

/**
 * A fallback SVG sits inline in the page next to others and the interactive charts; its ids
 * (clip paths, gradients) get a per-chart prefix so that no two elements share one.
 */
export function inlineSvg(svg: string, prefix: string): string {
  return svg
    .replace(/^<\?xml[^>]*>\s*/, '')
    .replace(/\bid="([^"]+)"/g, `id="${prefix}-$1"`)
    .replace(/url\(#([^)]+)\)/g, `url(#${prefix}-$1)`)
    .replace(/href="#([^"]+)"/g, `href="#${prefix}-$1"`);
}

function chartFigure(chart: RenderedChart): string {
  return `<figure class="chart" id="chart-${esc(chart.name)}">
<div class="vega" data-chart="${esc(chart.name)}" aria-label="${esc(chart.title)}"></div>
<div class="fallback">${inlineSvg(chart.svg, `fb-${chart.name}`)}</div>
<figcaption>Static SVG: <a href="charts/${esc(chart.name)}.svg">charts/${esc(chart.name)}.svg</a> · Vega-Lite spec: <a href="charts/${esc(chart.name)}.vl.json">charts/${esc(chart.name)}.vl.json</a></figcaption>
</figure>`;
}

/**
 * Replaces each fallback SVG with the interactive chart once vega-embed has drawn it; if the
 * scripts cannot run, the SVGs stay. Views are kept on window for tests and the curious.
 */
const EMBED = `(function () {
  var specs = JSON.parse(document.getElementById('trainyard-specs').textContent);
  var options = { renderer: 'svg', actions: false, tooltip: { theme: 'light' } };
  window.trainyardViews = {};
  document.querySelectorAll('[data-chart]').forEach(function (el) {
    var name = el.getAttribute('data-chart');
    if (typeof vegaEmbed !== 'function') return;
    vegaEmbed(el, specs[name], options).then(function (result) {
      var fallback = el.parentNode.querySelector('.fallback');
      if (fallback) fallback.remove();
      window.trainyardViews[name] = result.view;
      el.setAttribute('data-rendered', 'true');
    }).catch(function (error) {
      el.setAttribute('data-error', String(error));
      console.error('chart ' + name + ': ' + error);
    });
  });
})();`;

function header(page: ReportPage): string {
  const [first] = page.runs;
  if (page.runs.length === 1) {
    const m = first.metrics;
    const optimizers = new Set(m.trials.map((t) => t.name)).size;
    const seeds = new Set(m.trials.map((t) => t.seed)).size;
    const points = new Set(m.trials.map((t) => JSON.stringify(t.point ?? {}))).size;
    const swept = points > 1 ? ` × ${points} sweep points` : '';
    const trials = `${m.trials.length} trial${m.trials.length === 1 ? '' : 's'} (${optimizers} optimizer${optimizers === 1 ? '' : 's'} × ${seeds} seed${seeds === 1 ? '' : 's'}${swept})`;
    return `<header><h1>${esc(first.plan.experiment.name)}</h1>
${first.plan.experiment.description ? `<p class="description">${esc(first.plan.experiment.description)}</p>` : ''}
<div class="meta"><span>${badge(m.status)}</span><span>run <b>${esc(first.id)}</b></span><span>${utc(m.startedAt)}</span><span>took <b>${duration(m.seconds)}</b></span><span>on <b>${esc(m.environment.backend)}</b></span><span>${trials}</span><span>${first.plan.config.training.epochs} epochs</span></div></header>`;
  }
  const names = [...new Set(page.runs.map((r) => r.plan.experiment.name))];
  return `<header><h1>${esc(names.join(' vs '))}</h1>
<p class="description">A comparison of ${page.runs.length} runs: dashes tell the runs apart, colours the optimizers.</p>
<div class="meta">${page.runs.map((r, i) => `<span>${badge(r.metrics.status)} <b>${esc(page.chartRuns[i].label)}</b></span>`).join('')}</div></header>`;
}

function dataFacts(data: RunRecord['plan']['data']): string {
  const sizes = [`${data.trainSize} training`, ...(data.validationSize ? [`${data.validationSize} validation`] : []), `${data.testSize} test samples`].join(' / ');
  const targets = data.targetShape ? `targets of shape [${data.targetShape.map(Number).join(', ')}]` : `${data.classes} classes`;
  return `${esc(data.source)}: ${sizes}, ${targets}, samples of shape [${(data.sampleShape ?? []).map(Number).join(', ')}]`;
}

function configSection(run: RunRecord): string {
  const { plan } = run;
  const facts: [string, string][] = [
    ['experiment file', `<code>${esc(plan.experiment.file)}</code>`],
    ['overrides', plan.overrides.length ? plan.overrides.map((o) => `<code>${esc(o)}</code>`).join(' ') : '<span class="muted">none</span>'],
    ['data', dataFacts(plan.data)],
    ['trials', plan.trials.map((t) => `<code>${esc(t.id)}</code>`).join(' ')],
  ];
  return `<div class="two"><table class="kv card">${facts.map(([k, v]) => `<tr><th scope="row">${k}</th><td>${v}</td></tr>`).join('')}</table>
<div class="card config"><pre>${esc(configYaml(plan.config))}</pre></div></div>`;
}

export function renderHtml(page: ReportPage): string {
  const compare = page.runs.length > 1;
  const rows = summarize(page.chartRuns);
  const colors = colorMap(optimizerNames(page.chartRuns));
  const problems = problemList(page.chartRuns);
  const specs = Object.fromEntries(page.charts.map((c) => [c.name, c.spec]));
  const title = compare ? `${[...new Set(page.runs.map((r) => r.plan.experiment.name))].join(' vs ')} — comparison` : `${page.runs[0].plan.experiment.name} — ${page.runs[0].id}`;
  const study = page.chartRuns.some((r) => r.statistics);
  const classes = confusionSection(page.runs);
  const samples = samplesSection(page.grids ?? []);
  const nav = [
    ['summary', 'Summary'],
    ...(study ? [['study', 'Study']] : []),
    ['charts', 'Charts'],
    ...(problems ? [['problems', 'Diverged, failed or interrupted']] : []),
    ...(classes ? [['classes', 'Per class']] : []),
    ...(samples ? [['samples', 'Reconstructions']] : []),
    ['epochs', 'Per epoch'],
    ['config', 'Configuration'],
    ['environment', 'Environment'],
  ];
  const environment = compare
    ? `${runsTable(page.runs, page.chartRuns.map((r) => r.label))}${page.runs.map((r, i) => `<details class="fold"><summary>${esc(page.chartRuns[i].label)}</summary>${environmentTable(r)}</details>`).join('')}`
    : `<div class="scroll">${environmentTable(page.runs[0])}</div>`;
  const config = compare ? page.runs.map((r, i) => `<details class="fold"${i === 0 ? ' open' : ''}><summary>${esc(page.chartRuns[i].label)}</summary>${configSection(r)}</details>`).join('') : configSection(page.runs[0]);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="trainyard ${esc(page.trainyard)}">
<title>${esc(title)}</title>
<style>${CSS}</style>
</head>
<body>
<main>
${header(page)}
<nav aria-label="sections">${nav.map(([id, label]) => `<a href="#${id}">${label}</a>`).join('')}</nav>
<section id="summary"><h2>Summary</h2>${summaryTable(rows, compare)}</section>
${studySection(page.chartRuns)}
<section id="charts"><h2>Charts</h2><p class="note">Hover a point for its figures; click a legend entry to hide that optimizer, click it again to show it.</p>
<div class="charts">${page.charts.map(chartFigure).join('\n')}</div></section>
${problems}
${classes}
${samples}
<section id="epochs"><h2>Per epoch</h2>${epochTables(page.chartRuns, colors)}</section>
<section id="config"><h2>Configuration</h2>${config}</section>
<section id="environment"><h2>Environment</h2>${environment}</section>
<footer>Made by trainyard ${esc(page.trainyard)} from ${compare ? 'the run directories' : 'the run directory'} alone (plan.json, metrics.json, events.jsonl); rebuild with <code>trainyard ${compare ? 'compare' : 'report'}</code>.</footer>
</main>
<script type="application/json" id="trainyard-specs">${scriptJson(specs)}</script>
${page.scripts.map((js) => `<script>${js}</script>`).join('\n')}
<script>${EMBED}</script>
</body>
</html>
`;
}

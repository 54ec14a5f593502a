// The report's tables as HTML strings. Every piece of text that came from a config or a run
// (names, messages, paths) goes through esc().
import type { TrialMetrics } from '../run-log/types.js';
import { badge, duration, esc, num, pct, statCell, swatch, utc } from './html-format.js';
import type { RunRecord } from './run-record.js';
import { figureWords, finite, otherFigures, varies, type ChartRun, type EpochField } from './series.js';
import { problems, type SummaryRow } from './summary.js';

const statusText = (statuses: SummaryRow['statuses']): string => {
  const entries = Object.entries(statuses);
  if (entries.length === 1) return badge(entries[0][0]);
  return entries.map(([s, n]) => `${n} ${badge(s)}`).join(' ');
};

/** Early stopping, said under the status: when it stopped and which epoch it judged best. */
function stoppedNote(r: SummaryRow): string {
  if (r.stoppedEarly.length === 0) return '';
  const text = r.trials === 1
    ? `stopped early at epoch ${r.stoppedEarly[0].epoch} (best ${esc(r.stoppedEarly[0].metric)}: epoch ${r.stoppedEarly[0].bestEpoch})`
    : `${r.stoppedEarly.length} of ${r.trials} seeds stopped early (epochs ${r.stoppedEarly.map((s) => s.epoch).join(', ')})`;
  return `<span class="range">${text}</span>`;
}

/** One row per optimizer (per run and optimizer in a comparison); the best final accuracy stands out. */
export function summaryTable(rows: readonly SummaryRow[], compare: boolean): string {
  const bestFinal = Math.max(...rows.map((r) => r.finalAccuracy?.mean ?? -Infinity));
  const seeds = Math.max(0, ...rows.map((r) => r.trials));
  const head = [
    compare ? 'run / optimizer' : 'optimizer',
    'final test accuracy',
    'best test accuracy (epoch)',
    'final training loss',
    'final test loss',
    seeds > 1 ? 'seconds per trial' : 'seconds',
    'epochs',
    'status',
  ];
  const body = rows.map((r) => {
    const best = r.finalAccuracy !== null && r.finalAccuracy.mean === bestFinal && rows.length > 1 ? ' class="best"' : '';
    return `<tr>
  <th scope="row">${swatch(r.color)}${esc(r.series)}</th>
  <td${best}>${statCell(r.finalAccuracy, (v) => pct(v))}</td>
  <td>${r.bestAccuracy ? `${pct(r.bestAccuracy.value)} <span class="muted">(${r.bestAccuracy.epoch})</span>` : num(undefined)}</td>
  <td>${statCell(r.finalTrainLoss, (v) => num(v))}</td>
  <td>${statCell(r.finalTestLoss, (v) => num(v))}</td>
  <td>${statCell(r.seconds, (v) => v.toFixed(1))}</td>
  <td>${r.epochs}</td>
  <td>${statusText(r.statuses)}${stoppedNote(r)}</td>
</tr>`;
  });
  const note = seeds > 1 ? `<p class="note">Figures are means over seeds, with the range (min – max) under them. Best accuracy is the best epoch of the mean curve.</p>` : '';
  return `<div class="scroll"><table class="summary">
<thead><tr>${head.map((h, i) => `<th scope="col"${i > 0 && i < 7 ? ' class="num"' : ''}>${h}</th>`).join('')}</tr></thead>
<tbody>
${body.join('\n')}
</tbody></table></div>${note}`;
}

/** Trials that diverged, failed or were interrupted, with their messages; empty when all are ok. */
export function problemList(runs: readonly ChartRun[]): string {
  const list = problems(runs);
  if (list.length === 0) return '';
  const items = list.map(
    (p) => `<li>${badge(p.status)} <strong>${esc(runs.length > 1 ? `${p.run} / ${p.id}` : p.id)}</strong> <span class="muted">after ${p.epochs} epoch${p.epochs === 1 ? '' : 's'}</span><pre class="message">${esc(p.message)}</pre></li>`,
  );
  return `<section id="problems" class="problems"><h2>Diverged, failed or interrupted trials</h2><ul>${items.join('')}</ul></section>`;
}

interface Column {
  field: EpochField;
  label: string;
  format: (v: number | null | undefined) => string;
}

function epochColumns(runs: readonly ChartRun[]): Column[] {
  const has = (f: EpochField) => runs.some((r) => r.metrics.trials.some((t) => t.epochs.some((e) => finite(e, f) !== null)));
  const cols: Column[] = [
    { field: 'trainLoss', label: 'train loss', format: (v) => num(v) },
    { field: 'testLoss', label: 'test loss', format: (v) => num(v) },
    { field: 'testAccuracy', label: 'test acc', format: (v) => pct(v) },
  ];
  if (has('valLoss')) cols.push({ field: 'valLoss', label: 'val loss', format: (v) => num(v) });
  if (has('valAccuracy')) cols.push({ field: 'valAccuracy', label: 'val acc', format: (v) => pct(v) });
  for (const field of otherFigures(runs)) cols.push({ field, label: figureWords(field).replace(/^validation /, 'val '), format: (v) => num(v) });
  if (varies(runs, 'lr')) cols.push({ field: 'lr', label: 'lr', format: (v) => (v === null || v === undefined ? num(v) : v.toPrecision(3)) });
  return cols;
}

/** One seed's epochs, optimizers side by side as the console prints them. */
function seedTable(trials: readonly TrialMetrics[], cols: readonly Column[], colors: Map<string, string>): string {
  const epochs = [...new Set(trials.flatMap((t) => t.epochs.map((e) => e.epoch)))].sort((a, b) => a - b);
  const group = trials.map((t) => `<th scope="colgroup" colspan="${cols.length}" class="group">${swatch(colors.get(t.name) ?? '#888')}${esc(t.name)}</th>`).join('');
  const sub = trials.map(() => cols.map((c, i) => `<th scope="col" class="num${i === 0 ? ' first' : ''}">${c.label}</th>`).join('')).join('');
  const rows = epochs.map((epoch) => {
    const cells = trials.map((t) => {
      const record = t.epochs.find((e) => e.epoch === epoch);
      return cols.map((c, i) => `<td class="num${i === 0 ? ' first' : ''}">${record ? c.format(finite(record, c.field)) : num(undefined)}</td>`).join('');
    });
    return `<tr><th scope="row" class="num">${epoch}</th>${cells.join('')}</tr>`;
  });
  return `<div class="scroll"><table class="epochs">
<thead><tr><th rowspan="2" scope="col" class="num">epoch</th>${group}</tr><tr>${sub}</tr></thead>
<tbody>${rows.join('\n')}</tbody></table></div>`;
}

/** Per-epoch figures of every run and seed; each seed folds away, the first is open. */
export function epochTables(runs: readonly ChartRun[], colors: Map<string, string>): string {
  const cols = epochColumns(runs);
  const parts: string[] = [];
  for (const run of runs) {
    const seeds = [...new Set(run.metrics.trials.map((t) => t.seed))];
    for (const seed of seeds) {
      const trials = run.metrics.trials.filter((t) => t.seed === seed);
      const label = [runs.length > 1 ? run.label : '', `seed ${seed}`].filter(Boolean).join(' · ');
      parts.push(`<details class="fold"${parts.length === 0 ? ' open' : ''}><summary>${esc(label)}</summary>${seedTable(trials, cols, colors)}</details>`);
    }
  }
  return parts.join('\n');
}

/** Where and how a run ran: backend (and why the ones before it were not used), machine, times. */
export function environmentTable(run: RunRecord): string {
  const env = run.metrics.environment;
  const tried = (env.backendsTried ?? []).map((t) => `<li><code>${esc(t.name)}</code>: ${esc(t.error)}</li>`).join('');
  const rows: [string, string][] = [
    ['backend', `<code>${esc(env.backend)}</code>${tried ? `<details class="inline"><summary>not used: ${(env.backendsTried ?? []).map((t) => esc(t.name)).join(', ')}</summary><ul class="tried">${tried}</ul></details>` : ''}`],
    ...(env.adapter ? [['GPU adapter', `${esc(`${env.adapter.vendor} ${env.adapter.architecture}, ${env.adapter.device}`)} (${esc(env.adapter.driver)})${env.adapter.fallback ? ', <b>fallback</b> (software)' : ', hardware'}`] as [string, string]] : []),
    ['started', utc(run.metrics.startedAt)],
    ['finished', utc(run.metrics.finishedAt)],
    ['duration', duration(run.metrics.seconds)],
    ['peak memory (RSS)', run.metrics.peakRssMB !== undefined ? `${run.metrics.peakRssMB} MB` : num(undefined)],
    ['worker threads', run.workers !== undefined ? String(run.workers) : num(undefined)],
    ['Node.js', esc(env.node)],
    ['CPU', esc(env.cpu)],
    ['platform', esc(env.platform)],
    ['trainyard', esc(env.trainyard)],
    ['run directory', `<code>${esc(run.dir)}</code>`],
  ];
  return `<table class="kv">${rows.map(([k, v]) => `<tr><th scope="row">${k}</th><td>${v}</td></tr>`).join('')}</table>`;
}

/** A comparison's runs, one line each. */
export function runsTable(runs: readonly RunRecord[], labels: readonly string[]): string {
  const rows = runs.map(
    (r, i) => `<tr><th scope="row">${esc(labels[i])}</th><td>${esc(r.plan.experiment.name)}</td><td>${utc(r.metrics.startedAt)}</td><td class="num">${duration(r.metrics.seconds)}</td><td><code>${esc(r.metrics.environment.backend)}</code></td><td class="num">${r.metrics.trials.length}</td><td>${badge(r.metrics.status)}</td><td><code>${esc(r.dir)}</code></td></tr>`,
  );
  return `<div class="scroll"><table class="runs"><thead><tr><th scope="col">run</th><th scope="col">experiment</th><th scope="col">started</th><th scope="col" class="num">duration</th><th scope="col">backend</th><th scope="col" class="num">trials</th><th scope="col">status</th><th scope="col">directory</th></tr></thead><tbody>${rows.join('')}</tbody></table></div>`;
}

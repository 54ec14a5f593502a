// The report's study section: what the comparisons say in words, each optimizer's selected point,
// and every group's statistics. It renders metrics.json's figures; it computes none of its own.
import { esc, num, pct } from './html-format.js';
import { figureWords, pointLabel, type ChartRun } from './series.js';
import { comparisonSentence, type Group, type GroupKey } from './study.js';
import type { Summary } from '../util/stats.js';

const pointOf = (key: GroupKey): string =>
  Object.entries(key)
    .filter(([k]) => k !== 'optimizer')
    .map(([k, v]) => `${k}=${typeof v === 'number' ? String(v) : JSON.stringify(v)}`)
    .join(', ');

const label = (key: GroupKey): string => {
  const at = pointOf(key);
  return at ? `${key.optimizer} (${at})` : key.optimizer;
};

const format = (figure: string) => (/accuracy/i.test(figure) ? (v: number) => pct(v) : (v: number) => num(v));

function cell(s: Summary | undefined, figure: string): string {
  if (!s) return '<span class="none">–</span>';
  const f = format(figure);
  const spread = s.n > 1 ? `<span class="range">± ${f(s.std).replace('%', '')} sd · 95% [${f(s.ci95[0])}, ${f(s.ci95[1])}]${s.iqm !== undefined ? ` · IQM ${f(s.iqm)}` : ''}</span>` : '';
  return `${f(s.mean)}${spread}`;
}

/** The study of one run: sentences, selection, groups. */
function runStudy(run: ChartRun, titled: boolean): string {
  const stats = run.statistics!;
  const parts: string[] = [];
  if (titled) parts.push(`<h3>${esc(run.label)}</h3>`);
  const short = (k: GroupKey) => {
    const { optimizer, ...point } = k;
    const at = pointLabel(point);
    return at ? `${optimizer} (${at})` : optimizer;
  };
  const sentences = stats.comparisons.map((c) => `<li>${esc(comparisonSentence(c, short))}</li>`);
  if (sentences.length) {
    const metric = figureWords(stats.comparisons[0]!.metric);
    parts.push(`<div class="card"><p>On the final ${esc(metric)}, over paired seeds (a diverged trial loses its pair; P: the chance of a win, ties counting a half, with a 95% Wilson interval):</p><ul class="sentences">${sentences.join('')}</ul></div>`);
  }
  const swept = stats.groups.some((g) => pointOf(g.key) !== '');
  if (swept) {
    const optimistic = stats.selection.some((s) => s.optimistic);
    const rows = stats.selection.map((s) => `<tr><th scope="row">${esc(s.optimizer)}</th><td>${esc(pointOf(s.key))}</td><td class="num">${format(s.metric)(s.value)}</td></tr>`);
    const warning = optimistic
      ? `<p class="note bad">Chosen on the test set (this run has no validation split): the test figures of the chosen points are optimistic. Add <code>dataset.validation: {fraction: 0.1}</code> to choose on held-out data.</p>`
      : `<p class="note">Each optimizer's point is chosen on ${esc(figureWords(stats.selection[0]?.metric ?? ''))}; its test figures are reported.</p>`;
    parts.push(`<div class="scroll"><table class="summary"><thead><tr><th scope="col">optimizer</th><th scope="col">selected point</th><th scope="col" class="num">${esc(figureWords(stats.selection[0]?.metric ?? ''))} (mean)</th></tr></thead><tbody>${rows.join('')}</tbody></table></div>${warning}`);
  }
  const figures = ['testAccuracy', 'testLoss', 'valAccuracy', 'trainLoss'].filter((f) => stats.groups.some((g) => g.final[f]));
  const extra = [...new Set(stats.groups.flatMap((g) => Object.keys(g.final)))].filter((f) => !figures.includes(f) && !/Loss$/.test(f));
  const columns = [...figures, ...extra];
  const body = stats.groups.map((g: Group) => {
    const counts = `${g.n}${g.diverged ? ` <span class="bad">+${g.diverged} diverged</span>` : ''}${g.failed ? ` <span class="bad">+${g.failed} failed</span>` : ''}`;
    const targets = (g.targets ?? []).map((t) => `${esc(String(t.value))}: ${t.reached}/${t.of}`).join('<br>');
    return `<tr><th scope="row">${esc(label(g.key))}</th><td class="num">${counts}</td>${columns.map((f) => `<td class="num">${cell(g.final[f], f)}</td>`).join('')}<td class="num">${cell(g.best.testAccuracy ?? g.best.testLoss, g.best.testAccuracy ? 'testAccuracy' : 'testLoss')}</td>${g.targets ? `<td class="num">${targets}</td>` : ''}</tr>`;
  });
  const hasTargets = stats.groups.some((g) => g.targets);
  const head = `<th scope="col">group</th><th scope="col" class="num">ok trials</th>${columns.map((f) => `<th scope="col" class="num">final ${esc(figureWords(f))}</th>`).join('')}<th scope="col" class="num">best test ${stats.groups.some((g) => g.best.testAccuracy) ? 'accuracy' : 'loss'}</th>${hasTargets ? '<th scope="col" class="num">reached target</th>' : ''}`;
  parts.push(`<div class="scroll"><table class="summary"><thead><tr>${head}</tr></thead><tbody>${body.join('\n')}</tbody></table></div>
<p class="note">Over each group's ok trials: mean, sample sd, a 95% percentile-bootstrap interval of the mean (10,000 resamples, seed 0) and, from 4 seeds, the interquartile mean; diverged and failed trials are counted, never averaged. Best: each trial's best epoch.</p>`);
  return parts.join('\n');
}

/** The study section, or '' when no run is a study. */
export function studySection(runs: readonly ChartRun[]): string {
  const studies = runs.filter((r) => r.statistics);
  if (studies.length === 0) return '';
  return `<section id="study"><h2>Study</h2>${studies.map((r) => runStudy(r, runs.length > 1)).join('\n')}</section>`;
}

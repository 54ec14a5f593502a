// The report's per-class results (a classifier's confusion matrix) and reconstruction grids.
import type { TrialMetrics } from '../run-log/types.js';
import { esc } from './html-format.js';
import type { RunRecord } from './run-record.js';

const share = (v: number | null): string => (v === null ? '<span class="muted">-</span>' : `${(100 * v).toFixed(1)}%`);

/** One trial's confusion matrix, each cell shaded by its share of the true class's samples. */
function confusionTable(trial: TrialMetrics): string {
  const { matrix, perClassAccuracy } = trial.confusion!;
  const head = `<tr><th scope="col">true \\ predicted</th>${matrix.map((_, c) => `<th scope="col" class="num">${c}</th>`).join('')}<th scope="col" class="num">accuracy</th></tr>`;
  const rows = matrix.map((row, r) => {
    const total = row.reduce((a, b) => a + b, 0) || 1;
    const cells = row.map((n, c) => {
      const alpha = (n / total).toFixed(3);
      const tint = r === c ? `rgba(46, 125, 50, ${alpha})` : `rgba(198, 40, 40, ${alpha})`;
      return `<td class="num" style="background:${tint}">${n}</td>`;
    });
    return `<tr><th scope="row" class="num">${r}</th>${cells.join('')}<td class="num">${share(perClassAccuracy[r] ?? null)}</td></tr>`;
  });
  return `<div class="scroll"><table class="epochs confusion"><thead>${head}</thead><tbody>${rows.join('\n')}</tbody></table></div>`;
}

/** Confusion matrices of the final weights, one per trial that has one (classification); '' when none has. */
export function confusionSection(runs: readonly RunRecord[]): string {
  const parts = runs.flatMap((run) =>
    run.metrics.trials
      .filter((t) => t.confusion)
      .map((t, i) => `<details class="fold"${i === 0 ? ' open' : ''}><summary>${esc(runs.length > 1 ? `${run.id} · ${t.id}` : t.id)}</summary>${confusionTable(t)}</details>`),
  );
  if (parts.length === 0) return '';
  return `<section id="classes"><h2>Per class</h2><p class="note">The final weights on the test set: rows are the true classes, columns the predicted ones.</p>${parts.join('\n')}</section>`;
}

/** A grid image of the run directory (samples/<trial id>/epoch-<N>.png), as the report embeds it. */
export interface SampleGrid {
  trialId: string;
  epoch: number;
  png: Buffer;
}

/** The reconstruction grids, per trial, newest epoch open; '' when the run has none. */
export function samplesSection(grids: readonly SampleGrid[]): string {
  if (grids.length === 0) return '';
  const byTrial = new Map<string, SampleGrid[]>();
  for (const g of grids) byTrial.set(g.trialId, [...(byTrial.get(g.trialId) ?? []), g]);
  const parts = [...byTrial.entries()].map(([trialId, list]) => {
    const figures = [...list]
      .sort((a, b) => a.epoch - b.epoch)
      .map((g) => `<figure><img alt="${esc(trialId)}, epoch ${g.epoch}" src="data:image/png;base64,${g.png.toString('base64')}"><figcaption>epoch ${g.epoch}</figcaption></figure>`);
    return `<details class="fold" open><summary>${esc(trialId)}</summary><div class="grids">${figures.join('')}</div></details>`;
  });
  return `<section id="samples"><h2>Reconstructions</h2><p class="note">The same test images at each epoch: rows of noisy input, reconstruction, clean target.</p>${parts.join('\n')}</section>`;
}

// A study's statistics from its metrics (metrics.json `groups`, `comparisons`, `selection`): pure,
// so that metrics.json holds them and a report only renders them. A group is an optimizer at a
// sweep point over its seeds; only ok trials are averaged, diverged and failed ones are counted.
import type { EpochRecord, Metrics, TrialMetrics } from '../run-log/types.js';
import { lowerIsBetter } from '../util/direction.js';
import { pWin, summarize, wilson, type PairValue, type Summary } from '../util/stats.js';

/** What the statistics need of the config (plan.json's `config`). */
export interface StudySettings {
  select?: { metric: string; mode: 'min' | 'max' };
  targets?: { metric: string; values: number[]; mode: 'min' | 'max' };
  /** Whether the run had a validation split (choosing on test is optimistic). */
  validation?: boolean;
}

export type GroupKey = { optimizer: string } & Record<string, unknown>;

export interface TargetResult {
  value: number;
  /** Trials of the group (ok or not) that reached it, and how many there are. */
  reached: number;
  of: number;
  fraction: number;
  /** Per trial (the group's order): the first epoch at the target and the seconds it took, or null. */
  perTrial: ({ id: string; epoch: number; seconds: number } | { id: string; epoch: null; seconds: null })[];
}

export interface Group {
  key: GroupKey;
  trials: string[];
  /** Trials averaged (ok), and those counted beside them. */
  n: number;
  diverged: number;
  failed: number;
  interrupted: number;
  final: Record<string, Summary>;
  best: Record<string, Summary>;
  targets?: TargetResult[];
}

export interface Comparison {
  a: GroupKey;
  b: GroupKey;
  metric: string;
  pWin: number;
  ci95: [number, number];
  n: number;
  wins: number;
  ties: number;
}

export interface Selection {
  optimizer: string;
  key: GroupKey;
  metric: string;
  mode: 'min' | 'max';
  value: number;
  /** Chosen on the test set (no validation split): the figures reported for it are optimistic. */
  optimistic: boolean;
}

export interface StudyStatistics {
  groups: Group[];
  selection: Selection[];
  comparisons: Comparison[];
}

const BOOKKEEPING = new Set(['epoch', 'lr', 'seconds', 'cumulativeSeconds', 'steps']);

const value = (record: EpochRecord | undefined, field: string): number | undefined => {
  const v = (record as unknown as Record<string, unknown> | undefined)?.[field];
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
};

/** The figures a trial's epochs record (trainLoss, testAccuracy, valSsim, ...), in order of first appearance. */
function figures(trials: readonly TrialMetrics[]): string[] {
  const found = new Set<string>();
  for (const t of trials) for (const e of t.epochs) for (const [k, v] of Object.entries(e)) if (!BOOKKEEPING.has(k) && (typeof v === 'number' || v === null)) found.add(k);
  return [...found];
}

export const groupKey = (trial: Pick<TrialMetrics, 'name' | 'point'>): GroupKey => ({ optimizer: trial.name, ...(trial.point ?? {}) });
const keyText = (key: GroupKey): string => JSON.stringify(key);

/** Trials by optimizer and point, in order of first appearance. */
export function groupTrials(trials: readonly TrialMetrics[]): { key: GroupKey; trials: TrialMetrics[] }[] {
  const groups = new Map<string, { key: GroupKey; trials: TrialMetrics[] }>();
  for (const trial of trials) {
    const key = groupKey(trial);
    const id = keyText(key);
    let group = groups.get(id);
    if (!group) groups.set(id, (group = { key, trials: [] }));
    group.trials.push(trial);
  }
  return [...groups.values()];
}

/** Each trial's best epoch value by the figure's direction. */
function bestOf(trial: TrialMetrics, field: string): number | undefined {
  const values = trial.epochs.map((e) => value(e, field)).filter((v): v is number => v !== undefined);
  if (values.length === 0) return undefined;
  return lowerIsBetter(field) ? Math.min(...values) : Math.max(...values);
}

const finalOf = (trial: TrialMetrics, field: string): number | undefined => value(trial.epochs.at(-1), field);

function targetResults(trials: readonly TrialMetrics[], targets: NonNullable<StudySettings['targets']>): TargetResult[] {
  return targets.values.map((target) => {
    const perTrial = trials.map((t) => {
      const hit = t.epochs.find((e) => {
        const v = value(e, targets.metric);
        return v !== undefined && (targets.mode === 'max' ? v >= target : v <= target);
      });
      return hit ? { id: t.id, epoch: hit.epoch, seconds: hit.cumulativeSeconds } : { id: t.id, epoch: null, seconds: null };
    });
    const reached = perTrial.filter((p) => p.epoch !== null).length;
    return { value: target, reached, of: trials.length, fraction: trials.length ? reached / trials.length : 0, perTrial };
  });
}

function summaries(ok: readonly TrialMetrics[], fields: readonly string[], of: (t: TrialMetrics, f: string) => number | undefined): Record<string, Summary> {
  const out: Record<string, Summary> = {};
  for (const field of fields) {
    const values = ok.map((t) => of(t, field)).filter((v): v is number => v !== undefined);
    if (values.length > 0) out[field] = summarize(values);
  }
  return out;
}

/** The figure comparisons and the report rank by: the test twin of the selection figure, else test accuracy, else test loss. */
export function reportFigure(settings: StudySettings, available: readonly string[]): string {
  const twin = settings.select?.metric.replace(/^val(?=[A-Z])/, 'test');
  for (const candidate of [twin, 'testAccuracy', 'testLoss', 'trainLoss']) if (candidate && available.includes(candidate)) return candidate;
  return available[0] ?? 'trainLoss';
}

/** Groups, each optimizer's selected point and the pairwise comparisons of those points. */
export function studyStatistics(metrics: Pick<Metrics, 'trials'>, settings: StudySettings): StudyStatistics {
  const fields = figures(metrics.trials);
  const grouped = groupTrials(metrics.trials);
  const groups: Group[] = grouped.map(({ key, trials }) => {
    const ok = trials.filter((t) => t.status === 'ok');
    return {
      key,
      trials: trials.map((t) => t.id),
      n: ok.length,
      diverged: trials.filter((t) => t.status === 'diverged').length,
      failed: trials.filter((t) => t.status === 'failed').length,
      interrupted: trials.filter((t) => t.status === 'interrupted' || t.status === 'pending' || t.status === 'running').length,
      final: summaries(ok, fields, finalOf),
      best: summaries(ok, fields, bestOf),
      ...(settings.targets ? { targets: targetResults(trials, settings.targets) } : {}),
    };
  });

  // Each optimizer's point: the best mean of the selection figure (on test when the run has no validation split).
  const figure = reportFigure(settings, fields);
  const select = settings.select ?? { metric: figure, mode: lowerIsBetter(figure) ? ('min' as const) : ('max' as const) };
  const optimistic = !settings.validation || !/^val[A-Z]/.test(select.metric);
  const selection: Selection[] = [];
  for (const optimizer of [...new Set(groups.map((g) => g.key.optimizer))]) {
    let chosen: Group | undefined;
    for (const g of groups.filter((g) => g.key.optimizer === optimizer)) {
      const m = g.final[select.metric]?.mean;
      const current = chosen?.final[select.metric]?.mean;
      if (m !== undefined && (current === undefined || (select.mode === 'max' ? m > current : m < current))) chosen = g;
    }
    chosen ??= groups.find((g) => g.key.optimizer === optimizer)!;
    selection.push({ optimizer, key: chosen.key, metric: select.metric, mode: select.mode, value: chosen.final[select.metric]?.mean ?? NaN, optimistic });
  }

  // Pairwise, over the seeds both selected groups have: a diverged trial loses its pair; failed ones drop it.
  const comparisons: Comparison[] = [];
  const higher = !lowerIsBetter(figure);
  const pairValue = (t: TrialMetrics | undefined): PairValue | undefined => {
    if (!t) return undefined;
    if (t.status === 'diverged') return 'lost';
    return t.status === 'ok' ? finalOf(t, figure) : undefined;
  };
  const trialsOf = (key: GroupKey) => grouped.find((g) => keyText(g.key) === keyText(key))!.trials;
  for (let i = 0; i < selection.length; i++) {
    for (let j = i + 1; j < selection.length; j++) {
      const a = trialsOf(selection[i]!.key);
      const b = trialsOf(selection[j]!.key);
      const pairs: [PairValue, PairValue][] = [];
      for (const ta of a) {
        const va = pairValue(ta);
        const vb = pairValue(b.find((tb) => tb.seed === ta.seed));
        if (va !== undefined && vb !== undefined) pairs.push([va, vb]);
      }
      if (pairs.length === 0) continue;
      const won = pWin(pairs, higher);
      comparisons.push({ a: selection[i]!.key, b: selection[j]!.key, metric: figure, pWin: won.pWin, ci95: wilson(won.pWin, won.n), n: won.n, wins: won.wins, ties: won.ties });
    }
  }
  return { groups, selection, comparisons };
}

/** Whether a run is a study (several seeds, a sweep or targets): only then does metrics.json carry the statistics. */
export const isStudy = (trials: readonly Pick<TrialMetrics, 'name' | 'point'>[], settings: StudySettings): boolean =>
  settings.targets !== undefined || trials.some((t) => t.point !== undefined) || trials.length > new Set(trials.map((t) => t.name)).size;

/** "Adam beats SGD with momentum in 5 of 5 seeds (P = 1.00, 95% [0.57, 1.00])", with the group's point when there is one. */
export function comparisonSentence(c: Comparison, label: (key: GroupKey) => string = (k) => k.optimizer): string {
  const aAhead = c.pWin >= 0.5;
  const [winner, loser] = aAhead ? [c.a, c.b] : [c.b, c.a];
  const p = aAhead ? c.pWin : 1 - c.pWin;
  const [lo, hi] = aAhead ? c.ci95 : [1 - c.ci95[1], 1 - c.ci95[0]];
  const wins = aAhead ? c.wins : c.n - c.wins - c.ties;
  const ties = c.ties > 0 ? `, ties in ${c.ties}` : '';
  const verb = p === 0.5 && wins * 2 + c.ties === c.n ? 'is level with' : 'beats';
  return `${label(winner)} ${verb} ${label(loser)} in ${wins} of ${c.n} seed${c.n === 1 ? '' : 's'}${ties} (P = ${p.toFixed(2)}, 95% [${lo.toFixed(2)}, ${hi.toFixed(2)}])`;
}

/** The settings from a plan's config (older plans have none of these keys). */
export function studySettingsOf(config: unknown): StudySettings {
  const c = (config ?? {}) as { select?: StudySettings['select']; targets?: StudySettings['targets']; dataset?: { validation?: unknown } };
  return { ...(c.select ? { select: c.select } : {}), ...(c.targets ? { targets: c.targets } : {}), validation: c.dataset?.validation !== undefined };
}

/** The metrics with their study statistics, when the run is a study. */
export function withStatistics(metrics: Metrics, config: unknown): Metrics {
  const settings = studySettingsOf(config);
  if (!isStudy(metrics.trials, settings)) return metrics;
  return { ...metrics, ...studyStatistics(metrics, settings) };
}

/** A run's statistics: metrics.json's, or computed from its metrics (a run that ended before writing them); none for a plain run. */
export function statisticsOf(metrics: Metrics, config: unknown): StudyStatistics | undefined {
  if (metrics.groups && metrics.selection && metrics.comparisons) return { groups: metrics.groups, selection: metrics.selection, comparisons: metrics.comparisons } as StudyStatistics;
  const settings = studySettingsOf(config);
  return isStudy(metrics.trials, settings) ? studyStatistics(metrics, settings) : undefined;
}

import type { EpochRecord, Metrics, Reporter, RunEvent, TrialMetrics } from '../run-log/types.js';
import { applyEvent, initialMetrics, type RunHeader } from '../run-log/fold.js';
import { mean, sampleStd } from '../util/stats.js';
import { columns, printable } from '../util/text.js';

export interface ConsoleOptions {
  out?: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  /** Live lines per running trial and the run's progress with an ETA; defaults to whether `out` is a terminal (never when quiet). */
  progress?: boolean;
  /** Only what went wrong and the summary: no start lines, epoch lines or progress. */
  quiet?: boolean;
}

/** What the console needs of a plan: the trials, the seeds and the epochs. */
export interface ConsolePlan extends RunHeader {
  config: { seeds: number[]; training: { epochs: number } };
}

const fmt = (value: number | undefined | null, digits = 4) => (value === undefined || value === null ? '-' : Number.isFinite(value) ? value.toFixed(digits) : String(value));

/** A study prints its groups at the end rather than a row per trial beyond this many trials. */
const TRIAL_ROWS = 12;

/** 'Adam', or 'Adam (seed 2, optimizers[*].lr=0.001)' when the run has several seeds or sweep points. */
export function trialLabel(trial: Pick<TrialMetrics, 'name' | 'seed' | 'point'>, seeds: boolean): string {
  const parts = [...(seeds ? [`seed ${trial.seed}`] : []), ...Object.entries(trial.point ?? {}).map(([k, v]) => `${k}=${typeof v === 'number' ? String(v) : JSON.stringify(v)}`)];
  return printable(parts.length ? `${trial.name} (${parts.join(', ')})` : trial.name);
}

/** 'loss 0.2456 acc 0.9170' (or the test loss where there is no accuracy). */
const figures = (r: Pick<EpochRecord, 'trainLoss' | 'testAccuracy' | 'testLoss'>): string =>
  r.testAccuracy !== undefined ? `loss ${fmt(r.trainLoss)} acc ${fmt(r.testAccuracy)}` : `loss ${fmt(r.trainLoss)} test loss ${fmt(r.testLoss)}`;

const bar = (fraction: number, width: number): string => {
  const filled = Math.round(Math.max(0, Math.min(1, fraction)) * width);
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]`;
};

/**
 * The run as it goes. In a pipe or CI: one plain line per finished epoch of each trial, as soon as
 * it finishes (`epoch 10 | Adam loss 0.2456 acc 0.9170`), and logEvery's step losses. On a terminal:
 * a live line per running trial (epoch, step, loss, a bar) and the run's progress with an ETA, with
 * finished trials printed above them. The end: a summary and the count of ok / diverged / failed.
 */
export class ConsoleReporter implements Reporter {
  private readonly out: NonNullable<ConsoleOptions['out']>;
  private readonly live: boolean;
  /** The run as the one fold of its events sees it: what the console prints is what metrics.json says. */
  private metrics: Metrics;
  private totalSteps = 0;
  private startedAt = 0;
  /** Lines of the live block drawn last (erased before anything else is printed). */
  private drawn = 0;
  private silent = false;
  private readonly quiet: boolean;
  private readonly severalSeeds: boolean;
  /** The latest step event of each running trial (its step and loss), for the live lines. */
  private readonly steps = new Map<string, { step: number; epoch: number; loss: number }>();

  constructor(
    private readonly plan: ConsolePlan,
    options: ConsoleOptions = {},
  ) {
    this.out = options.out ?? process.stdout;
    this.quiet = options.quiet ?? false;
    this.live = !this.quiet && (options.progress ?? Boolean(this.out.isTTY));
    this.metrics = initialMetrics(plan);
    this.severalSeeds = new Set(plan.trials.map((t) => t.seed)).size > 1;
  }

  private trial(trialId: string): TrialMetrics | undefined {
    return this.metrics.trials.find((t) => t.id === trialId);
  }

  private label(trialId: string): string {
    const t = this.trial(trialId);
    return t ? trialLabel(t, this.severalSeeds) : printable(trialId);
  }

  /** Epochs a trial trains: the plan's, or its own sweep point's. */
  private epochsOf(t: Pick<TrialMetrics, 'point'>): number {
    const own = t.point?.['training.epochs'];
    return typeof own === 'number' ? own : this.plan.config.training.epochs;
  }

  /** Takes in the events of the run so far (on resume) without printing them again. */
  replay(events: RunEvent[]): void {
    this.silent = true;
    events.forEach((e) => this.onEvent(e));
    this.silent = false;
  }

  onEvent(event: RunEvent): void {
    this.metrics = applyEvent(this.metrics, event);
    // What a resume rebuilt from the record was shown when it happened.
    const silent = this.silent;
    if ('recovered' in event && event.recovered) this.silent = true;
    try {
      this.show(event);
    } finally {
      this.silent = silent;
    }
    if (this.live && !this.silent && event.type !== 'runEnd') this.drawLive();
  }

  private show(event: RunEvent): void {
    switch (event.type) {
      case 'runStart': {
        this.startedAt = Date.parse(event.time);
        this.totalSteps = event.totalSteps ?? event.trials * event.epochs * event.stepsPerEpoch;
        const why = event.backendsTried.map((t) => `${printable(t.name)}: ${printable(t.error.split('. ')[0]!)}`).join('\n    ');
        this.detail(`trainyard: ${printable(event.experiment)}: ${event.trials} trials on ${event.backend} (${event.queue ? `on the queue ${printable(event.queue)}` : event.workers === 0 ? 'in this thread' : `${event.workers} worker thread${event.workers === 1 ? '' : 's'}`})`);
        if (why) this.detail(`  not used:\n    ${why}`);
        const adapter = event.environment?.adapter;
        if (adapter) this.detail(`  adapter: ${printable(`${adapter.vendor} ${adapter.architecture} (${adapter.driver}), ${adapter.fallback ? 'fallback: a software renderer, slow' : 'hardware'}`)}`);
        this.detail(`  run directory: ${printable(event.runDir)}`);
        break;
      }
      case 'trialStart':
        this.steps.delete(event.trialId);
        if (event.resumedFrom !== undefined) this.detail(`${printable(event.trialId)}: ${event.resumedFrom > 0 ? `resumed after epoch ${event.resumedFrom}` : 'started again from its first epoch'}${event.worker ? ` on worker ${printable(event.worker)}` : ''}`);
        break;
      case 'step':
        this.steps.set(event.trialId, { step: event.step, epoch: event.epoch, loss: event.loss });
        if (!this.live) this.detail(`  step ${event.step} | ${this.label(event.trialId)} loss ${fmt(event.loss)}`);
        break;
      case 'epochEnd': {
        if (this.live) break;
        const t = this.trial(event.trialId);
        const width = String(t ? this.epochsOf(t) : this.plan.config.training.epochs).length;
        this.detail(`epoch ${String(event.epoch).padStart(width)} | ${this.label(event.trialId)} ${figures(event)}`);
        break;
      }
      case 'trialEnd': {
        this.steps.delete(event.trialId);
        if (event.status !== 'ok' && event.status !== 'failed') this.line(`${printable(event.trialId)}: ${event.status}${event.reason ? `: ${printable(event.reason)}` : ''}`);
        if (event.stoppedEarly) {
          const s = event.stoppedEarly;
          this.detail(`${printable(event.trialId)}: stopped early at epoch ${s.epoch}: ${printable(s.metric)} was best at epoch ${s.bestEpoch} (${fmt(s.best)})`);
        }
        if (event.restoredBest) {
          const { epoch, ...rest } = event.restoredBest;
          this.detail(`${printable(event.trialId)}: restored the weights of epoch ${epoch}: ${Object.entries(rest).map(([k, v]) => `${printable(k)} ${fmt(v)}`).join(', ')}`);
        }
        const last = this.trial(event.trialId)?.epochs.at(-1);
        if (this.live && event.status === 'ok' && last) this.detail(`done ${this.label(event.trialId)}: ${last.epoch} epochs, ${figures(last)}, ${last.cumulativeSeconds.toFixed(1)} s`);
        break;
      }
      case 'trialFailed':
        this.line(`${printable(event.trialId)}: ${event.retrying ? 'an attempt failed (retrying)' : 'failed'}: ${printable(event.error)}${event.worker ? ` (worker ${printable(event.worker)})` : ''}`);
        break;
      case 'runEnd': {
        this.line('');
        this.line(this.summary());
        const count = (status: string) => this.metrics.trials.filter((t) => t.status === status).length;
        const interrupted = count('interrupted');
        this.line(`\n${this.metrics.trials.length} trials: ${count('ok')} ok, ${count('diverged')} diverged, ${count('failed')} failed${interrupted ? `, ${interrupted} interrupted` : ''}`);
        const ending = { ok: 'done', failed: 'finished with failed trials', interrupted: 'interrupted' }[event.status];
        this.line(`${ending} in ${event.seconds.toFixed(1)} s`);
        if (event.error) this.line(printable(event.error));
        break;
      }
    }
  }

  private summary(): string {
    if (this.metrics.trials.length > TRIAL_ROWS) return this.groupSummary();
    const header = ['trial', 'status', 'epochs', 'train loss', 'test loss', 'test acc', 'best acc (epoch)', 'seconds'];
    const rows = this.metrics.trials.map((t) => {
      const records = t.epochs;
      const last = records[records.length - 1];
      const best = records.reduce<EpochRecord | undefined>((b, r) => ((r.testAccuracy ?? -1) > (b?.testAccuracy ?? -1) ? r : b), undefined);
      const state = t.status === 'pending' || t.status === 'running' ? 'unfinished' : t.status;
      return [trialLabel({ ...t, point: t.point }, true), state, String(records.length), fmt(last?.trainLoss), fmt(last?.testLoss), fmt(last?.testAccuracy), best ? `${fmt(best.testAccuracy)} (${best.epoch})` : '-', last ? last.cumulativeSeconds.toFixed(1) : '-'];
    });
    return columns([header, ...rows]);
  }

  /** One row per optimizer and point: its ok trials' final figures, mean ± sd. */
  private groupSummary(): string {
    const groups = new Map<string, TrialMetrics[]>();
    for (const t of this.metrics.trials) {
      const key = trialLabel({ name: t.name, seed: 0, point: t.point }, false);
      groups.set(key, [...(groups.get(key) ?? []), t]);
    }
    const stat = (trials: TrialMetrics[], field: 'trainLoss' | 'testAccuracy' | 'testLoss'): string => {
      const values = trials.map((t) => t.epochs.at(-1)?.[field]).filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
      return values.length ? `${fmt(mean(values))} ± ${fmt(sampleStd(values))}` : '-';
    };
    const header = ['group', 'ok', 'diverged', 'failed', 'train loss', 'test loss', 'test acc'];
    const rows = [...groups].map(([label, trials]) => {
      const ok = trials.filter((t) => t.status === 'ok');
      const n = (s: string) => String(trials.filter((t) => t.status === s).length);
      return [label, String(ok.length), n('diverged'), n('failed'), stat(ok, 'trainLoss'), stat(ok, 'testLoss'), stat(ok, 'testAccuracy')];
    });
    return `${columns([header, ...rows])}\n(final epoch, mean ± sd over the ok trials of each group)`;
  }

  /** The live block: a line per running trial, then the run's progress with an ETA. */
  private drawLive(): void {
    const width = Math.max(40, (this.out.columns ?? 100) - 1);
    const lines: string[] = [];
    for (const t of this.metrics.trials.filter((t) => t.status === 'running')) {
      const total = this.epochsOf(t);
      const last = t.epochs.at(-1);
      const step = this.steps.get(t.id);
      const where = step && step.epoch > (last?.epoch ?? 0) ? `epoch ${step.epoch}/${total} step ${step.step} loss ${fmt(step.loss)}` : `epoch ${last?.epoch ?? 0}/${total}${last ? ` ${figures(last)}` : ''}`;
      lines.push(`  ${bar((last?.epoch ?? 0) / total, 12)} ${this.label(t.id)}  ${where}`.slice(0, width));
    }
    const done = this.metrics.trials.reduce((sum, t) => sum + (t.epochs.at(-1)?.steps ?? 0), 0);
    const fraction = this.totalSteps > 0 ? Math.min(1, done / this.totalSteps) : 0;
    const elapsed = (Date.now() - this.startedAt) / 1000;
    const eta = fraction > 0 ? (elapsed / fraction) * (1 - fraction) : undefined;
    const finished = this.metrics.trials.filter((t) => t.status !== 'running' && t.status !== 'pending').length;
    lines.push(`${bar(fraction, 30)} ${(fraction * 100).toFixed(0).padStart(3)}%  ${finished} of ${this.metrics.trials.length} trials done, ${elapsed.toFixed(0)} s elapsed${eta !== undefined ? `, ETA ${eta.toFixed(0)} s` : ''}`.slice(0, width));
    this.erase();
    this.out.write(`${lines.join('\n')}\n`);
    this.drawn = lines.length;
  }

  private erase(): void {
    if (this.drawn === 0) return;
    this.out.write(`\x1b[${this.drawn}A\r\x1b[0J`);
    this.drawn = 0;
  }

  /** A line only a full (not quiet) console shows. */
  private detail(text: string): void {
    if (!this.quiet) this.line(text);
  }

  private line(text: string): void {
    if (this.silent) return;
    this.erase();
    this.out.write(`${text}\n`);
  }
}

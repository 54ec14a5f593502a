import type { EpochRecord, Metrics, Reporter, RunEvent } from '../run-log/types.js';
import { applyEvent, initialMetrics, type RunHeader } from '../run-log/fold.js';
import { columns, printable } from '../util/text.js';

export interface ConsoleOptions {
  out?: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  /** Progress bar with ETA; defaults to whether `out` is a terminal (never when quiet). */
  progress?: boolean;
  /** Only what went wrong and the summary: no start lines, epoch rows or progress. */
  quiet?: boolean;
}

/** What the console needs of a plan: the trials, the seeds and the epochs. */
export interface ConsolePlan extends RunHeader {
  config: { seeds: number[]; training: { epochs: number } };
}

const fmt = (value: number | undefined, digits = 4) => (value === undefined ? '-' : Number.isFinite(value) ? value.toFixed(digits) : String(value));

/**
 * The lecture's per-epoch lines: for each seed and epoch, every optimizer's training loss and
 * test accuracy, printed once all of that seed's trials have reached the epoch. Plain lines when
 * the output is not a terminal; on a terminal, a progress bar with ETA below them.
 */
export class ConsoleReporter implements Reporter {
  private readonly out: NonNullable<ConsoleOptions['out']>;
  private readonly progress: boolean;
  /** The run as the one fold of its events sees it: what the console prints is what metrics.json says. */
  private metrics: Metrics;
  private readonly printed = new Map<number, number>();
  private totalSteps = 0;
  private startedAt = 0;
  private barShown = false;
  private silent = false;
  private readonly quiet: boolean;

  constructor(
    private readonly plan: ConsolePlan,
    options: ConsoleOptions = {},
  ) {
    this.out = options.out ?? process.stdout;
    this.quiet = options.quiet ?? false;
    this.progress = !this.quiet && (options.progress ?? Boolean(this.out.isTTY));
    this.metrics = initialMetrics(plan);
  }

  private epochsOf(trialId: string): EpochRecord[] {
    return this.metrics.trials.find((t) => t.id === trialId)?.epochs ?? [];
  }

  private endedOf(trialId: string): string | undefined {
    const status = this.metrics.trials.find((t) => t.id === trialId)?.status;
    return status === undefined || status === 'pending' || status === 'running' ? undefined : status;
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
    if (this.progress && !this.silent && event.type !== 'runEnd') this.drawBar();
  }

  private show(event: RunEvent): void {
    switch (event.type) {
      case 'runStart': {
        this.startedAt = Date.parse(event.time);
        this.totalSteps = event.trials * event.epochs * event.stepsPerEpoch;
        const why = event.backendsTried.map((t) => `${printable(t.name)}: ${printable(t.error.split('. ')[0]!)}`).join('\n    ');
        this.detail(`trainyard: ${printable(event.experiment)}: ${event.trials} trials on ${event.backend} (${event.queue ? `on the queue ${printable(event.queue)}` : event.workers === 0 ? 'in this thread' : `${event.workers} worker thread${event.workers === 1 ? '' : 's'}`})`);
        if (why) this.detail(`  not used:\n    ${why}`);
        this.detail(`  run directory: ${printable(event.runDir)}`);
        break;
      }
      case 'trialStart': {
        // Rows after the epoch it starts from were printed without this trial (it had stopped): print them again.
        const from = event.resumedFrom ?? 0;
        const seed = this.plan.trials.find((t) => t.id === event.trialId)?.seed ?? event.seed;
        this.printed.set(seed, Math.min(this.printed.get(seed) ?? 0, from));
        if (event.resumedFrom !== undefined) this.detail(`${printable(event.trialId)}: ${from > 0 ? `resumed after epoch ${from}` : 'started again from its first epoch'}${event.worker ? ` on worker ${printable(event.worker)}` : ''}`);
        break;
      }
      case 'epochEnd':
        this.printReadyRows();
        break;
      case 'trialEnd':
        if (event.status !== 'ok' && event.status !== 'failed') this.line(`${printable(event.trialId)}: ${event.status}${event.reason ? `: ${printable(event.reason)}` : ''}`);
        if (event.stoppedEarly) {
          const s = event.stoppedEarly;
          this.detail(`${printable(event.trialId)}: stopped early at epoch ${s.epoch}: ${printable(s.metric)} was best at epoch ${s.bestEpoch} (${fmt(s.best)})`);
        }
        if (event.restoredBest) {
          const { epoch, ...figures } = event.restoredBest;
          this.detail(`${printable(event.trialId)}: restored the weights of epoch ${epoch}: ${Object.entries(figures).map(([k, v]) => `${printable(k)} ${fmt(v)}`).join(', ')}`);
        }
        this.printReadyRows();
        break;
      case 'trialFailed':
        this.line(`${printable(event.trialId)}: ${event.retrying ? 'an attempt failed (retrying)' : 'failed'}: ${printable(event.error)}${event.worker ? ` (worker ${printable(event.worker)})` : ''}`);
        break;
      case 'runEnd':
        this.printReadyRows();
        this.line('');
        this.line(this.summary());
        const ending = { ok: 'done', failed: 'finished with failed trials', interrupted: 'interrupted' }[event.status];
        this.line(`\n${ending} in ${event.seconds.toFixed(1)} s`);
        if (event.error) this.line(printable(event.error));
        break;
    }
  }

  /** Rows for each seed's next epochs that every one of its trials has finished (or left). */
  private printReadyRows(): void {
    for (const seed of this.plan.config.seeds) {
      const trials = this.plan.trials.filter((t) => t.seed === seed);
      for (;;) {
        const epoch = (this.printed.get(seed) ?? 0) + 1;
        if (epoch > this.plan.config.training.epochs) break;
        const ready = trials.every((t) => this.epochsOf(t.id).length >= epoch || this.endedOf(t.id) !== undefined);
        const any = trials.some((t) => this.epochsOf(t.id).length >= epoch);
        if (!ready || !any) break;
        const cells = trials.map((t) => {
          const r = this.epochsOf(t.id)[epoch - 1];
          const name = printable(t.name);
          if (!r) return `${name} stopped`;
          return r.testAccuracy !== undefined ? `${name} loss ${fmt(r.trainLoss)} acc ${fmt(r.testAccuracy)}` : `${name} loss ${fmt(r.trainLoss)} test loss ${fmt(r.testLoss)}`;
        });
        const seedText = this.plan.config.seeds.length > 1 ? `seed ${seed} ` : '';
        this.detail(`${seedText}epoch ${String(epoch).padStart(String(this.plan.config.training.epochs).length)} | ${cells.join(' | ')}`);
        this.printed.set(seed, epoch);
      }
    }
  }

  private summary(): string {
    const header = ['trial', 'status', 'epochs', 'train loss', 'test loss', 'test acc', 'best acc (epoch)', 'seconds'];
    const rows = this.plan.trials.map((t) => {
      const records = this.epochsOf(t.id);
      const last = records[records.length - 1];
      const best = records.reduce<EpochRecord | undefined>((b, r) => ((r.testAccuracy ?? -1) > (b?.testAccuracy ?? -1) ? r : b), undefined);
      return [
        `${printable(t.name)} (seed ${t.seed})`,
        this.endedOf(t.id) ?? 'unfinished',
        String(records.length),
        fmt(last?.trainLoss),
        fmt(last?.testLoss),
        fmt(last?.testAccuracy),
        best ? `${fmt(best.testAccuracy)} (${best.epoch})` : '-',
        last ? last.cumulativeSeconds.toFixed(1) : '-',
      ];
    });
    return columns([header, ...rows]);
  }

  private drawBar(): void {
    const done = this.metrics.trials.reduce((sum, t) => sum + (t.epochs.at(-1)?.steps ?? 0), 0);
    const fraction = this.totalSteps > 0 ? Math.min(1, done / this.totalSteps) : 0;
    const elapsed = (Date.now() - this.startedAt) / 1000;
    const eta = fraction > 0 ? (elapsed / fraction) * (1 - fraction) : undefined;
    const width = 30;
    const filled = Math.round(fraction * width);
    const bar = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(fraction * 100).toFixed(0).padStart(3)}%  ${elapsed.toFixed(0)} s elapsed${eta !== undefined ? `, ETA ${eta.toFixed(0)} s` : ''}`;
    this.out.write(`\r\x1b[2K${bar}`);
    this.barShown = true;
  }

  /** A line only a full (not quiet) console shows. */
  private detail(text: string): void {
    if (!this.quiet) this.line(text);
  }

  private line(text: string): void {
    if (this.silent) return;
    if (this.barShown) {
      this.out.write('\r\x1b[2K');
      this.barShown = false;
    }
    this.out.write(`${text}\n`);
  }
}

// Builds charts/ and report.html from run directories alone, so `trainyard report` can rebuild
// what `trainyard run` made, and `trainyard compare` can put several runs in one page.
import { realpath } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Reporter, RunEvent } from '../run-log/types.js';
import { writeFileAtomic } from '../util/atomic.js';
import { UserError } from '../util/errors.js';
import { DirectoryError, ensureDirectory, fsReason } from '../util/fs-errors.js';
import { buildCharts } from './charts.js';
import { vegaScripts } from './html-assets.js';
import { renderHtml } from './html.js';
import { trainyardVersion } from '../util/environment.js';
import { readRun, readSampleGrids, type RunRecord } from './run-record.js';
import type { ChartRun } from './series.js';
import { writeCharts } from './svg.js';
import { statisticsOf } from './study.js';

export interface BuiltReport {
  /** Absolute path of report.html. */
  path: string;
  charts: string[];
  bytes: number;
  seconds: number;
  /** Runs a live process is still writing (shown as far as they have got). */
  inProgress: RunRecord[];
}

/**
 * How the charts name each run: its id, with the experiment in front when a comparison mixes
 * experiments; the same directory given twice is told apart by a counter.
 */
export function runLabels(runs: readonly RunRecord[]): string[] {
  const mixed = new Set(runs.map((r) => r.plan.experiment.name)).size > 1;
  const seen = new Map<string, number>();
  return runs.map((r) => {
    const base = mixed ? `${r.plan.experiment.name} ${r.id}` : r.id;
    const n = (seen.get(base) ?? 0) + 1;
    seen.set(base, n);
    return n === 1 ? base : `${base} (${n})`;
  });
}

/** Charts and report.html for the runs, written into outDir (charts/ and report.html). */
export async function buildReport(runDirs: readonly string[], outDir: string, givenLabels?: readonly string[]): Promise<BuiltReport> {
  const started = performance.now();
  const runs = await Promise.all(runDirs.map((dir) => readRun(dir)));
  const labels = givenLabels ?? runLabels(runs);
  const chartRuns: ChartRun[] = runs.map((r, i) => {
    const statistics = statisticsOf(r.metrics, r.plan.config);
    // Plans made before report.band drew min–max bands.
    const band = (r.plan.config as { report?: { band?: 'ci95' | 'minmax' } } | undefined)?.report?.band ?? 'minmax';
    return { label: labels[i]!, metrics: r.metrics, loss: r.plan.config?.loss?.type, band, ...(statistics ? { statistics } : {}) };
  });
  const unwritable = (error: unknown): never => {
    if (error instanceof DirectoryError) throw new UserError(`cannot write the report in ${outDir}: ${error.message}`);
    if ((error as NodeJS.ErrnoException).code) throw new UserError(`cannot write the report in ${outDir}: it ${fsReason(error)}`);
    throw error;
  };
  await ensureDirectory(outDir).catch(unwritable);
  // Print and link the real directory, not `latest`, which moves on with the next run.
  const out = await realpath(resolve(outDir));
  const charts = await writeCharts(out, buildCharts(chartRuns)).catch(unwritable);
  const grids = runs.length === 1 ? await readSampleGrids(runs[0]!) : [];
  const html = renderHtml({ runs, chartRuns, charts, scripts: await vegaScripts(), trainyard: trainyardVersion(), grids });
  const path = join(out, 'report.html');
  await writeFileAtomic(path, html).catch(unwritable);
  return { path, charts: charts.map((c) => c.name), bytes: Buffer.byteLength(html), seconds: (performance.now() - started) / 1000, inProgress: runs.filter((r) => r.inProgress) };
}

/**
 * Rebuilds the run's report at runEnd, after the JSON reporter (listed before it) has written
 * metrics.json, and from the files alone, like `trainyard report`. A report that cannot be built
 * does not fail the run: its records are already safe, and the error is kept for the command.
 */
export class ReportReporter implements Reporter {
  result: BuiltReport | undefined;
  error: Error | undefined;

  constructor(private readonly runDir: string) {}

  async onEvent(event: RunEvent): Promise<void> {
    if (event.type !== 'runEnd') return;
    try {
      this.result = await buildReport([this.runDir], this.runDir);
    } catch (error) {
      this.error = error as Error;
    }
  }
}

import { UserError } from '../util/errors.js';
import type { BuiltReport } from '../reporters/report.js';
// The report's modules (vega, vega-lite) take a third of a second to load: only commands that build one load them.
const reports = () => import('../reporters/report.js');

export const REPORT_HELP = `Usage: trainyard report RUN_DIR

Rebuilds RUN_DIR/charts/ (a Vega-Lite spec and an SVG per chart) and RUN_DIR/report.html from
the run directory alone (plan.json, metrics.json, events.jsonl), without training. Works on
runs that were interrupted or killed: epochs recorded only in events.jsonl are included.
Exit 0 when written, 2 when RUN_DIR is not a run directory.`;

export const REPORT_OPTIONS = {} as const;

/** 'report: PATH (5 charts, 1.0 MB, 0.6 s)': where it is and what it cost. */
export const describeReport = (r: BuiltReport): string =>
  [
    `report: ${r.path} (${r.charts.length} charts, ${(r.bytes / 1e6).toFixed(1)} MB, ${r.seconds.toFixed(1)} s)`,
    ...r.inProgress.map((run) => `note: ${run.dir} is in progress (process ${run.inProgress!.pid} on ${run.inProgress!.host} is writing it): the report shows it as far as it has got`),
  ].join('\n');

export async function reportCommand(args: string[]): Promise<number> {
  if (args.length !== 1) throw new UserError('report needs exactly one RUN_DIR (trainyard report runs/<experiment>/latest); to put several runs in one report, use trainyard compare');
  console.log(describeReport(await (await reports()).buildReport(args, args[0]!)));
  return 0;
}

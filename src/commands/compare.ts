import { join, resolve } from 'node:path';
import { checkOutputRoot } from '../config/inspect.js';
import { UserError } from '../util/errors.js';
// The report's modules (vega, vega-lite) take a third of a second to load: only commands that build one load them.
const reports = () => import('../reporters/report.js');
import { newRunId } from '../runner/run-dir.js';
import { describeReport } from './report.js';

export const COMPARE_HELP = `Usage: trainyard compare RUN_DIR... [--out DIR]

Puts several runs in one report: their charts overlaid (colour: optimizer, dash: run), one
summary table (a row per run and optimizer), and each run's configuration and environment.
Reads only the run directories (plan.json, metrics.json, events.jsonl); writes DIR/charts/ and
DIR/report.html, DIR by default runs/compare/<UTC time>-<suffix>/ (never an existing report's).

Options:
  --out DIR    where to write the report (created if missing; its report.html is replaced)
  -h, --help   this help`;

export const COMPARE_OPTIONS = { out: { type: 'string' } } as const;

export async function compareCommand(args: string[], values: Record<string, unknown>): Promise<number> {
  if (args.length < 2) throw new UserError('compare needs at least two RUN_DIRs (for one run, use trainyard report RUN_DIR)');
  const out = resolve((values.out as string | undefined) ?? join('runs', 'compare', newRunId()));
  await checkOutputRoot(out, values.out !== undefined ? '--out' : 'output directory runs/compare/', undefined, 'the report');
  console.log(describeReport(await (await reports()).buildReport(args, out)));
  return 0;
}

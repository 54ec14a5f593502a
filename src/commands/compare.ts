import { join, resolve } from 'node:path';
import { checkOutputRoot } from '../config/inspect.js';
import { UserError } from '../util/errors.js';
// The report's modules (vega, vega-lite) take a third of a second to load: only commands that build one load them.
const reports = () => import('../reporters/report.js');
import { newRunId } from '../runner/run-dir.js';
import { describeReport } from './report.js';

export const COMPARE_HELP = `Usage: trainyard compare RUN_DIR... [--label NAME ...] [--out DIR]

Puts several runs in one report: their charts overlaid (colour: run and optimizer, dash: run), one
summary table (a row per run and optimizer), and each run's configuration and environment.
Reads only the run directories (plan.json, metrics.json, events.jsonl); writes DIR/charts/ and
DIR/report.html, DIR by default runs/compare/<UTC time>-<suffix>/ (never an existing report's).

Options:
  --out DIR    where to write the report (created if missing; its report.html is replaced)
  --label NAME what to call each run, in the runs' order (repeat it: --label first --label second;
               default: the run ids)
  -h, --help   this help`;

export const COMPARE_OPTIONS = { out: { type: 'string' }, label: { type: 'string', multiple: true } } as const;

export async function compareCommand(args: string[], values: Record<string, unknown>): Promise<number> {
  if (args.length < 2) throw new UserError('compare needs at least two RUN_DIRs (for one run, use trainyard report RUN_DIR)');
  const labels = (values.label as string[] | undefined) ?? [];
  if (labels.length > 0 && labels.length !== args.length) {
    throw new UserError(`compare got ${labels.length} --label for ${args.length} runs: give one per run, in the runs' order (or none: the run ids)`);
  }
  if (labels.some((l) => l.trim() === '')) throw new UserError('--label needs a name (got an empty one)');
  if (new Set(labels).size !== labels.length) throw new UserError(`--label names must differ (got ${labels.join(', ')})`);
  const out = resolve((values.out as string | undefined) ?? join('runs', 'compare', newRunId()));
  await checkOutputRoot(out, values.out !== undefined ? '--out' : 'output directory runs/compare/', undefined, 'the report');
  console.log(describeReport(await (await reports()).buildReport(args, out, labels.length ? labels : undefined)));
  return 0;
}

// The report's stylesheet: system fonts, quiet tables with tabular figures, charts two across
// on a laptop screen and one across on narrow ones. Inline, like everything the report needs.
import { FONT } from './chart-style.js';

export const CSS = `
:root { --text: #1f2328; --muted: #656d76; --line: #d0d7de; --soft: #eaeef2; --bg: #f6f8fa; --accent: #0969da;
  --ok: #1a7f37; --ok-bg: #dafbe1; --bad: #cf222e; --bad-bg: #ffebe9; --warn: #9a6700; --warn-bg: #fff8c5; }
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body { margin: 0; font-family: ${FONT}; color: var(--text); background: var(--bg); font-size: 14px; line-height: 1.5; }
main { max-width: 1240px; margin: 0 auto; padding: 32px 24px 48px; }
header { margin-bottom: 8px; }
h1 { font-size: 26px; line-height: 1.25; margin: 0 0 6px; font-weight: 650; letter-spacing: -0.01em; word-break: break-word; }
h2 { font-size: 17px; margin: 36px 0 12px; font-weight: 620; }
h3 { font-size: 14px; margin: 20px 0 8px; font-weight: 600; }
p { margin: 0 0 8px; }
.description { font-size: 15px; color: #424a53; max-width: 80ch; }
.meta { display: flex; flex-wrap: wrap; gap: 6px 18px; color: var(--muted); font-size: 13px; margin-top: 10px; }
.meta b { color: var(--text); font-weight: 600; }
nav { display: flex; flex-wrap: wrap; gap: 4px 16px; margin: 18px 0 0; padding: 10px 0; border-top: 1px solid var(--line); border-bottom: 1px solid var(--line); font-size: 13px; }
nav a { color: var(--accent); text-decoration: none; }
nav a:hover { text-decoration: underline; }
code, pre { font-family: ui-monospace, SFMono-Regular, "SF Mono", Menlo, Consolas, "Liberation Mono", monospace; font-size: 12.5px; }
pre { margin: 0; white-space: pre-wrap; word-break: break-word; }
.card { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 16px 18px; }
.scroll { overflow-x: auto; background: #fff; border: 1px solid var(--line); border-radius: 8px; }
table { border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums; }
th, td { padding: 7px 12px; text-align: left; vertical-align: top; border-bottom: 1px solid var(--soft); }
tbody tr:last-child > * { border-bottom: none; }
thead th { font-size: 12px; font-weight: 600; color: var(--muted); background: #fafbfc; border-bottom: 1px solid var(--line); white-space: nowrap; }
tbody th { font-weight: 600; }
.num { text-align: right; }
table.summary td { text-align: right; white-space: nowrap; }
table.summary td:last-child { text-align: left; }
table.summary thead th { white-space: normal; vertical-align: bottom; }
table.summary tbody th { min-width: 150px; }
td.best { font-weight: 700; }
.range { display: block; font-size: 11.5px; color: var(--muted); font-weight: 400; }
.muted, .none { color: var(--muted); }
.note { color: var(--muted); font-size: 12.5px; margin-top: 8px; }
ul.sentences { margin: 6px 0 0; padding-left: 18px; }
ul.sentences li { margin: 3px 0; }
#study h3 { font-size: 15px; margin: 18px 0 8px; }
.bad { color: var(--bad); font-weight: 600; }
.swatch { display: inline-block; width: 10px; height: 10px; border-radius: 2px; margin-right: 8px; vertical-align: 0; }
.badge { display: inline-block; padding: 0 8px; border-radius: 10px; font-size: 12px; font-weight: 600; line-height: 20px; background: var(--soft); color: var(--muted); }
.badge.ok { background: var(--ok-bg); color: var(--ok); }
.badge.diverged, .badge.failed { background: var(--bad-bg); color: var(--bad); }
.badge.interrupted, .badge.running { background: var(--warn-bg); color: var(--warn); }
.grids { display: flex; flex-wrap: wrap; gap: 16px; }
.grids figure { margin: 0; }
.grids img { image-rendering: pixelated; width: 100%; max-width: 640px; min-width: 320px; border: 1px solid var(--line); }
.grids figcaption, .confusion th { font-size: 0.85em; color: var(--muted, #666); }
.charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(560px, 1fr)); gap: 16px; }
figure.chart { margin: 0; background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 12px; overflow-x: auto; }
figure.chart .fallback svg { max-width: 100%; height: auto; display: block; }
figure.chart figcaption { font-size: 12px; color: var(--muted); margin-top: 4px; }
figure.chart figcaption a { color: var(--muted); }
.problems ul { list-style: none; padding: 0; margin: 0; }
.problems li { background: #fff; border: 1px solid var(--line); border-left: 3px solid var(--bad); border-radius: 6px; padding: 10px 14px; margin-bottom: 8px; }
.problems .message { margin-top: 6px; color: #424a53; }
details.fold { margin-bottom: 10px; }
details.fold > summary { cursor: pointer; font-weight: 600; padding: 4px 0; }
details.inline { display: inline-block; margin: 0 0 0 10px; }
details.inline > summary { cursor: pointer; font-weight: 400; color: var(--muted); font-size: 12.5px; }
ul.tried { margin: 6px 0 0; padding-left: 18px; color: #424a53; font-size: 12.5px; max-width: 90ch; }
table.epochs th.group { text-align: center; color: var(--text); border-left: 1px solid var(--line); }
table.epochs .first { border-left: 1px solid var(--line); }
table.epochs td { white-space: nowrap; }
table.kv th { width: 180px; color: var(--muted); font-weight: 500; white-space: nowrap; }
table.kv td { word-break: break-word; }
.two { display: grid; grid-template-columns: repeat(auto-fit, minmax(420px, 1fr)); gap: 16px; align-items: start; }
.config pre { max-height: 560px; overflow: auto; }
footer { margin-top: 40px; color: var(--muted); font-size: 12px; }
.vega-embed .vega-actions a { font-family: ${FONT}; }
@media (max-width: 640px) { main { padding: 20px 12px; } .charts { grid-template-columns: 1fr; } .two { grid-template-columns: 1fr; } }
@media print { body { background: #fff; } nav, .vega-actions { display: none; } figure.chart { break-inside: avoid; } }
`;

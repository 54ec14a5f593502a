// The look shared by every chart: one place, so the SVGs and the interactive charts agree.

export const FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif';

/** Chart body size in pixels; two fit side by side in the report on a laptop screen. */
export const WIDTH = 480;
export const HEIGHT = 260;

/** Vega-Lite config: quiet axes and grid, left-aligned titles, the legend under the plot. */
export const CONFIG = {
  font: FONT,
  background: '#ffffff',
  padding: 8,
  view: { stroke: null },
  title: { anchor: 'start', fontSize: 14, fontWeight: 600, color: '#1f2328', subtitleColor: '#656d76', subtitleFontSize: 11, offset: 10 },
  axis: {
    labelColor: '#57606a',
    titleColor: '#424a53',
    titleFontWeight: 500,
    titleFontSize: 11,
    labelFontSize: 10,
    domainColor: '#8c959f',
    tickColor: '#8c959f',
    gridColor: '#eaeef2',
  },
  legend: { orient: 'bottom', direction: 'horizontal', labelFontSize: 11, titleFontSize: 11, titleColor: '#424a53', labelColor: '#1f2328', symbolStrokeWidth: 2.5, columnPadding: 16, labelLimit: 260 },
  line: { strokeWidth: 2 },
  point: { size: 28 },
} as const;

/** Dash patterns telling runs apart in a comparison (colour stays the optimizer's). */
export const DASHES = [[1, 0], [6, 3], [2, 2], [8, 3, 2, 3], [12, 4], [1, 3]] as const;

/** d3-format strings: accuracy as a percentage, other values with 4 significant digits. */
export const FORMAT = { percent: '.1%', value: '.4~g', seconds: '.1f' } as const;

/**
 * A percentage axis format with as many decimals as the values' span needs, so that no two ticks
 * read the same (a span of 84.1% to 85.3% at '.0%' gave 84% 84% 85% 85%).
 */
export function percentFormat(values: readonly (number | null)[]): string {
  const v = values.filter((x): x is number => x !== null && Number.isFinite(x));
  const span = v.length > 1 ? Math.max(...v) - Math.min(...v) : 1;
  // About five ticks across the span: each step needs its own digit.
  const digits = span > 0 ? Math.max(0, Math.min(3, Math.ceil(-Math.log10(span / 5)) - 2)) : 1;
  return `.${digits}%`;
}

// Vega-Lite specs → static SVG files, headless: vega-lite compiles to Vega, a Vega View with the
// 'none' renderer lays the scene out and serialises it. No canvas, no browser; text widths are
// Vega's estimates, close enough for labels.
import { ensureDirectory } from '../util/fs-errors.js';
import { join } from 'node:path';
import { parse, View } from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { writeFileAtomic, writeJsonAtomic } from '../util/atomic.js';
import type { ChartSpec, VegaLiteSpec } from './charts.js';

/**
 * Vega numbers clip paths with a counter global to the process ('clip7'), so the same chart would
 * come out different on a rebuild; numbered per document, the same spec gives the same bytes.
 */
export function renumberIds(svg: string): string {
  const ids = new Map<string, string>();
  for (const [, id] of svg.matchAll(/\bid="([^"]+)"/g)) if (!ids.has(id)) ids.set(id, `id${ids.size + 1}`);
  return svg.replace(/(\bid="|url\(#|href="#)([^")]+)/g, (whole, lead: string, id: string) => (ids.has(id) ? `${lead}${ids.get(id)}` : whole));
}

/** Renders one Vega-Lite spec to an SVG document. */
export async function renderSvg(spec: VegaLiteSpec): Promise<string> {
  // Vega tags the data objects it ingests (a symbol-keyed id); a copy keeps the caller's spec as it was.
  const vega = compile(structuredClone(spec) as unknown as TopLevelSpec).spec;
  const view = new View(parse(vega), { renderer: 'none' });
  try {
    const svg = renumberIds(await view.toSVG());
    // A standalone file needs the XML declaration's encoding for viewers that guess otherwise.
    return svg.startsWith('<?xml') ? svg : `<?xml version="1.0" encoding="UTF-8"?>\n${svg}`;
  } finally {
    view.finalize();
  }
}

export interface RenderedChart extends ChartSpec {
  /** The SVG document (as written to charts/<name>.svg). */
  svg: string;
}

/** Writes charts/<name>.vl.json and charts/<name>.svg for every chart, atomically; returns the SVGs. */
export async function writeCharts(outDir: string, charts: readonly ChartSpec[]): Promise<RenderedChart[]> {
  const dir = join(outDir, 'charts');
  await ensureDirectory(dir);
  return Promise.all(
    charts.map(async (chart) => {
      const svg = await renderSvg(chart.spec);
      await writeJsonAtomic(join(dir, `${chart.name}.vl.json`), chart.spec);
      await writeFileAtomic(join(dir, `${chart.name}.svg`), svg);
      return { ...chart, svg };
    }),
  );
}

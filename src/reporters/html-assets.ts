// The JavaScript the report inlines so that it works offline: vega, vega-lite and vega-embed,
// the browser builds from node_modules, read when a report is built (never fetched from a CDN).
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Package → its browser (UMD) build, which sets the globals vega, vegaLite and vegaEmbed. */
const BUILDS = [
  ['vega', 'vega.min.js'],
  ['vega-lite', 'vega-lite.min.js'],
  ['vega-embed', 'vega-embed.min.js'],
] as const;

/**
 * Each package's entry point lives in its build/ folder beside the .min.js; resolving the entry
 * (rather than guessing a node_modules path) finds it wherever npm hoisted the package.
 */
function buildPath(pkg: string, file: string): string {
  return join(dirname(fileURLToPath(import.meta.resolve(pkg))), file);
}

/**
 * A script's text cannot contain '</script' (it would end the element early); these builds have
 * none today, and escaping keeps that true after an upgrade ('<\/' means '</' in JS strings and
 * regular expressions alike).
 */
export const scriptSafe = (js: string): string => js.replace(/<\/(script)/gi, '<\\/$1');

let cached: Promise<string[]> | undefined;

/** The three scripts, in load order; read once per process. */
export function vegaScripts(): Promise<string[]> {
  cached ??= Promise.all(BUILDS.map(async ([pkg, file]) => scriptSafe(await readFile(buildPath(pkg, file), 'utf8'))));
  return cached;
}

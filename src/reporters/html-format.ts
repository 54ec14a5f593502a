// Text for the HTML report: escaping (names in a config can hold <, & and quotes) and the number
// and date formats every table shares.
import type { Stat } from './summary.js';

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for element content and quoted attribute values. */
export const esc = (text: unknown): string => String(text).replace(/[&<>"']/g, (c) => ENTITIES[c]);

/**
 * JSON inside <script type="application/json">: '<' would let a name like '</script>' end the
 * element, and U+2028/2029 trip older parsers; escaped, JSON.parse reads the same value.
 */
export const scriptJson = (value: unknown): string =>
  JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');

const DASH = '<span class="none">–</span>';
/** A value metrics.json recorded as null: NaN or infinity (JSON has neither). */
const NAN = '<span class="bad" title="NaN or infinite">NaN</span>';

/** Fixed decimals, as the console prints them; exponent notation where fixed would mislead (1e24, 3e-7). */
export function num(value: number | null | undefined, digits = 4): string {
  if (value === undefined) return DASH;
  if (value === null || !Number.isFinite(value)) return NAN;
  const size = Math.abs(value);
  return size >= 1e5 || (size > 0 && size < 10 ** -digits) ? value.toExponential(2) : value.toFixed(digits);
}

export function pct(value: number | null | undefined, digits = 2): string {
  if (value === undefined) return DASH;
  if (value === null || !Number.isFinite(value)) return NAN;
  return `${(value * 100).toFixed(digits)}%`;
}

/** A figure over seeds: the mean, with the min–max range under it when there are several. */
export function statCell(s: Stat | null, format: (v: number) => string): string {
  if (!s) return DASH;
  return s.n > 1 ? `${format(s.mean)}<span class="range">${format(s.min)} – ${format(s.max)}</span>` : format(s.mean);
}

/** '2026-11-25 04:46:29 UTC': unambiguous whatever the reader's time zone. */
export function utc(iso: string | null | undefined): string {
  if (!iso) return DASH;
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? esc(iso) : `${d.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

export function duration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return DASH;
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  const m = Math.floor(seconds / 60);
  if (m < 60) return `${m} min ${Math.round(seconds - m * 60)} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

/** A coloured status word; the class carries the colour, the text stays readable without it. */
export const badge = (status: string): string => `<span class="badge ${esc(status)}">${esc(status)}</span>`;

export const swatch = (color: string): string => `<span class="swatch" style="background:${esc(color)}"></span>`;

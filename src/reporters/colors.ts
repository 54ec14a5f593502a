/**
 * One colour per optimizer name, the same in every chart, every table swatch and every report.
 *
 * How: the name's FNV-1a hash picks a slot of a fixed palette, so 'Adam' has the same colour in
 * any run that names an 'Adam', whatever else it compares (order of first appearance would
 * recolour every optimizer when one is added in front). Two names landing on one slot would be
 * indistinguishable, so a later name (in order of first appearance) moves to the next free slot;
 * only then does a colour depend on the other names present. Past the palette's size colours
 * repeat.
 */

/**
 * Ten colours that stay apart as thin lines on white, also for the commoner colour blindnesses in
 * neighbouring pairs (Tableau's pink and red, or its teal and blue, did not: AdamW and RMSprop
 * looked alike). The order only decides which hash slot holds which colour.
 */
export const PALETTE = ['#1f77b4', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#17becf', '#bcbd22', '#ff7f0e', '#2ca02c', '#3f3f3f'] as const;

/** 32-bit FNV-1a over UTF-16 code units: tiny, stable across platforms and versions. */
export function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}

/** Names (first appearance first, duplicates ignored) → colours. Pure. */
export function colorMap(names: readonly string[]): Map<string, string> {
  const map = new Map<string, string>();
  const taken = new Set<number>();
  for (const name of names) {
    if (map.has(name)) continue;
    let slot = fnv1a(name) % PALETTE.length;
    if (taken.size < PALETTE.length) {
      while (taken.has(slot)) slot = (slot + 1) % PALETTE.length;
      taken.add(slot);
    }
    map.set(name, PALETTE[slot]);
  }
  return map;
}

/**
 * Splits `take` across groups in proportion to their sizes, rounding by largest remainder so the
 * counts add up to exactly `take` (ties go to the earlier group): a split that keeps class shares.
 */
export function stratifiedCounts(groupSizes: number[], take: number): number[] {
  const total = groupSizes.reduce((a, b) => a + b, 0);
  const exact = groupSizes.map((n) => (n * take) / total);
  const counts = exact.map(Math.floor);
  const order = exact.map((e, i) => [e - Math.floor(e), i]).sort((a, b) => b[0] - a[0] || a[1] - b[1]);
  for (let k = 0, left = take - counts.reduce((a, b) => a + b, 0); left > 0; k++, left--) counts[order[k][1]]++;
  return counts;
}

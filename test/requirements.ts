// What a test needs from the machine beyond npm packages (a Debian package, a browser, a system
// library). A machine without it skips the test with one line saying what to install; CI (CI set),
// which installs everything in .ci/run, fails instead, so a missing package never passes unnoticed.

/**
 * Call at the start of a test or a `before` hook: returns when `available`; otherwise skips (locally)
 * or throws (CI), naming `what` is missing and how to install it. `detail` (e.g. the loader's error)
 * goes into the CI failure.
 */
export function requireSystem(context: Mocha.Context, what: string, available: boolean, installHint: string, detail?: string): void {
  if (available) return;
  if (process.env.CI) throw new Error(`needs ${what}, which is missing (${installHint}); CI must install it (.ci/run)${detail ? `: ${detail}` : ''}`);
  console.log(`      skipped: needs ${what} (${installHint})`);
  context.skip();
}

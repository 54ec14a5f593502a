import { arch, cpus, platform, release } from 'node:os';
import { createRequire } from 'node:module';

/**
 * The version in trainyard's package.json (dist/src/util → the package root); the GPU bundle
 * (tools/bundle-gpu.ts), which has no package root, sets it at build time.
 */
export const trainyardVersion = (): string =>
  process.env.TRAINYARD_BUNDLE_VERSION ?? (createRequire(import.meta.url)('../../../package.json') as { version: string }).version;

/** The machine a run runs on, as metrics.json records it. */
export function machineEnvironment(): { trainyard: string; node: string; cpu: string; platform: string } {
  const list = cpus();
  return {
    trainyard: trainyardVersion(),
    node: process.version,
    cpu: `${list[0]?.model ?? 'unknown'} x ${list.length}`,
    platform: `${platform()} ${release()} ${arch()}`,
  };
}

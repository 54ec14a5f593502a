// OpenBLAS picks its kernels by the CPU model it knows. On a model newer than the library (Debian
// bookworm's 0.3.21 on a Sapphire Rapids machine, measured 2026-12-02) it falls back to
// "Prescott", SSE3 kernels: sgemm at 13 GFLOP/s a core where SkylakeX's reach 125 on the same
// core. The CPU's feature flags say which kernels it can run, so trainyard names them in
// OPENBLAS_CORETYPE before the library loads, unless the user set it.
import { readFileSync } from 'node:fs';

/** The OpenBLAS core whose kernels these x86-64 feature flags can run; undefined: let OpenBLAS decide. */
export function openBlasCoreFor(flags: ReadonlySet<string>): string | undefined {
  if (['avx512f', 'avx512bw', 'avx512dq', 'avx512vl', 'avx512cd'].every((f) => flags.has(f))) return 'SkylakeX';
  if (['avx2', 'fma'].every((f) => flags.has(f))) return 'Haswell';
  return undefined;
}

/** The first processor's flags in /proc/cpuinfo; empty where there is none (not Linux, or not x86). */
export function cpuFlags(cpuinfo?: string): Set<string> {
  let text = cpuinfo;
  if (text === undefined) {
    try {
      text = readFileSync('/proc/cpuinfo', 'utf8');
    } catch {
      return new Set();
    }
  }
  const line = text.split('\n').find((l) => /^flags\s*:/.test(l));
  return new Set(line ? line.replace(/^flags\s*:/, '').trim().split(/\s+/) : []);
}

type SetEnv = (name: string, value: string, overwrite: number) => number;

/**
 * Sets OPENBLAS_CORETYPE for the library about to load, where the user has not and the flags name
 * a core; returns the core it set, else undefined. The variable goes to the C environment through
 * libc's setenv: a worker thread's process.env is its own copy, which dlopen never reads.
 */
export function chooseOpenBlasCore(koffi: { load(name: string): { func(signature: string): unknown } }, flags: ReadonlySet<string> = cpuFlags()): string | undefined {
  if (process.env.OPENBLAS_CORETYPE || process.platform !== 'linux' || process.arch !== 'x64') return undefined;
  const core = openBlasCoreFor(flags);
  if (!core) return undefined;
  try {
    const setenv = koffi.load('libc.so.6').func('int setenv(const char *, const char *, int)') as SetEnv;
    // 0: a value already in the C environment (set by whoever started this process) stays.
    setenv('OPENBLAS_CORETYPE', core, 0);
  } catch {
    return undefined; // no glibc to call: OpenBLAS detects the core itself
  }
  process.env.OPENBLAS_CORETYPE = core;
  return core;
}

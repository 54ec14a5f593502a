// glibc gives every thread that contends for malloc an arena of its own, up to 8 per core, and an
// arena's freed pages stay resident. Worker threads keep their tensors on wasm heaps and V8's own
// pages, so the arenas hold little but what they keep. Measured on the lecture (Fashion-MNIST, 2
// epochs, 3 worker threads, 2 cores, 2026-12-02, other work running): peak RSS 504 MB with glibc's
// default, 479 MB with MALLOC_ARENA_MAX=1 in the environment, 485 to 494 MB with the limit set here
// as the CLI starts (threads Node started before it keep the arenas they have).
const M_ARENA_MAX = -8; // glibc's <malloc.h>

/** Limits glibc's malloc arenas unless MALLOC_ARENA_MAX is set; a no-op off glibc. Returns whether it set them. */
export async function limitMallocArenas(arenas = 1): Promise<boolean> {
  if (process.platform !== 'linux' || process.env.MALLOC_ARENA_MAX !== undefined) return false;
  try {
    const koffi = (await import('koffi')).default;
    const mallopt = koffi.load('libc.so.6').func('int mallopt(int, int)') as (param: number, value: number) => number;
    return mallopt(M_ARENA_MAX, arenas) === 1;
  } catch {
    return false; // musl or no koffi: glibc's default stays
  }
}

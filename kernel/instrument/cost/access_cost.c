/* The cost of the access instrumentation per plain 8-byte access (measure_cost.sh; not a test: no timed
 * tests). Two loops over a 512-entry table, each iteration one u64 load and one u64 store:
 *   update: t[i] = t[i] + i, i = 0..511 in order (a plain build vectorizes it)
 *   chain:  j = t[j] & 511; t[j] = j + i (each load's address depends on the last one: no vectorizing)
 * Built at -O2 with and without the plugin; with it, the calls go to an identity runtime in another file
 * (access_cost_runtime.c: a plain load or store and nothing else), so what is measured is the call itself
 * and the optimizations it prevents, not the kernel runtime's table lookup. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

enum { ENTRIES = 512 };

static double now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

__attribute__((noinline)) static void update(uint64_t *t, uint64_t rounds) {
  for (uint64_t r = 0; r < rounds; r++)
    for (uint64_t i = 0; i < ENTRIES; i++)
      t[i] = t[i] + i;
}

__attribute__((noinline)) static void chain(uint64_t *t, uint64_t steps) {
  uint64_t j = 0;
  for (uint64_t i = 0; i < steps; i++) {
    j = t[j] & (ENTRIES - 1);
    t[j] = j * 5 + i + 1;
  }
}

int main(int argc, char **argv) {
  uint64_t accesses = argc > 1 ? strtoull(argv[1], NULL, 0) : 100000000;  /* loads + stores per loop */
  uint64_t *t = aligned_alloc(4096, ENTRIES * sizeof(*t));
  for (uint64_t i = 0; i < ENTRIES; i++)
    t[i] = i * 7;
  double start = now_ns();
  update(t, accesses / 2 / ENTRIES);
  double mid = now_ns();
  chain(t, accesses / 2);
  double end = now_ns();
  uint64_t check = 0;
  for (uint64_t i = 0; i < ENTRIES; i++)
    check ^= t[i];
  printf("update %.3f ns/access  chain %.3f ns/access  (%llu accesses each, check %llx)\n",
         (mid - start) / (double)accesses, (end - mid) / (double)accesses, (unsigned long long)accesses,
         (unsigned long long)check);
  free(t);
  return 0;
}

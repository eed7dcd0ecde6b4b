/*
 * FMA peak probe for bench/peak.ts: T threads each run 12 independent chains of fused multiply-adds
 * on the widest vector type the compiler targets (-O3 -march=native: zmm with AVX-512, ymm with AVX2),
 * enough chains to cover the FMA latency × throughput of current x86 cores. Prints one JSON line:
 * {"gflops": best of the repetitions, "lanes": floats per vector, "threads": T}.
 *
 *   gcc -O3 -march=native -pthread fma_peak.c -o fma_peak && ./fma_peak 2
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#if defined(__AVX512F__)
#define VBYTES 64
#elif defined(__AVX__)
#define VBYTES 32
#else
#define VBYTES 16
#endif
#define LANES (VBYTES / 4)
#define CHAINS 12
#define ITERS 60000000L

typedef float vec __attribute__((vector_size(VBYTES)));

static volatile float seed_a = 0.9999999f, seed_b = 1e-7f;
static double sink[64];

static void *run(void *arg) {
  long id = (long)arg;
  vec a, b, acc[CHAINS];
  for (int l = 0; l < LANES; l++) { a[l] = seed_a; b[l] = seed_b; }
  for (int k = 0; k < CHAINS; k++) for (int l = 0; l < LANES; l++) acc[k][l] = (float)(k + l) * 1e-3f;
  for (long i = 0; i < ITERS; i++) {
#pragma GCC unroll 12
    for (int k = 0; k < CHAINS; k++) acc[k] = acc[k] * a + b;
  }
  double s = 0;
  for (int k = 0; k < CHAINS; k++) for (int l = 0; l < LANES; l++) s += acc[k][l];
  sink[id % 64] = s;
  return NULL;
}

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec * 1e-9;
}

int main(int argc, char **argv) {
  int threads = argc > 1 ? atoi(argv[1]) : 1;
  int reps = argc > 2 ? atoi(argv[2]) : 3;
  if (threads < 1 || threads > 1024 || reps < 1) return 2;
  pthread_t *tid = malloc(sizeof(pthread_t) * threads);
  double best = 0;
  for (int r = 0; r < reps; r++) {
    double t0 = now();
    for (long i = 0; i < threads; i++) pthread_create(&tid[i], NULL, run, (void *)i);
    for (int i = 0; i < threads; i++) pthread_join(tid[i], NULL);
    double dt = now() - t0;
    double gflops = 2.0 * LANES * CHAINS * (double)ITERS * threads / dt / 1e9;
    if (gflops > best) best = gflops;
  }
  printf("{\"gflops\": %.1f, \"lanes\": %d, \"threads\": %d, \"check\": %g}\n", best, LANES, threads, sink[0]);
  free(tid);
  return 0;
}

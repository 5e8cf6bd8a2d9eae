/* Peak fp64 FMA rate of this CPU: independent FMA chains in vector registers, one thread per core.
 * Build: cc -O3 -march=native -pthread fma_peak.c -o fma_peak ; run: ./fma_peak [threads] [seconds]
 * Prints one JSON line: threads, GFLOP/s in total and per thread over wall time, and over each thread's CPU
 * time (an FMA counts 2 flops; best of 5 runs).
 * AVX-512: 12 chains of 8 doubles; otherwise (AVX2/FMA) 10 chains of 4 doubles, so that the chains cover
 * FMA latency x throughput (4 cycles x 2 pipes) without spilling registers. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#if defined(__AVX512F__)
#define LANES 8
#define CHAINS 12
#else
#define LANES 4
#define CHAINS 10
#endif
typedef double vec __attribute__((vector_size(LANES * 8)));

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + 1e-9 * t.tv_nsec;
}

static double cpu_now(void) {
  struct timespec t;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return t.tv_sec + 1e-9 * t.tv_nsec;
}

typedef struct { long iters; double seconds; double cpu_seconds; double sink; } job;

static void *work(void *arg) {
  job *j = arg;
  vec acc[CHAINS];
  vec m, a;
  for (int l = 0; l < LANES; l++) { m[l] = 0.999999999; a[l] = 1e-9 * (l + 1); }
  for (int c = 0; c < CHAINS; c++) for (int l = 0; l < LANES; l++) acc[c][l] = 1.0 + c + l;
  double t0 = now(), c0 = cpu_now();
  for (long i = 0; i < j->iters; i++) {
    for (int c = 0; c < CHAINS; c++) acc[c] = acc[c] * m + a;  /* contracted to one FMA each */
    __asm__ volatile("" : "+x"(m));  /* keep the loop from being folded */
  }
  j->seconds = now() - t0;
  j->cpu_seconds = cpu_now() - c0;
  double s = 0;
  for (int c = 0; c < CHAINS; c++) for (int l = 0; l < LANES; l++) s += acc[c][l];
  j->sink = s;
  return NULL;
}

int main(int argc, char **argv) {
  int threads = argc > 1 ? atoi(argv[1]) : 1;
  double target = argc > 2 ? atof(argv[2]) : 0.5;
  if (threads < 1) threads = 1;
  /* calibrate on one thread */
  job cal = {1000000, 0, 0, 0};
  work(&cal);
  long iters = (long)(cal.iters * target / (cal.seconds > 1e-6 ? cal.seconds : 1e-6));
  if (iters < 1000) iters = 1000;
  double best = 0, best_cpu = 0;
  for (int rep = 0; rep < 5; rep++) {
    pthread_t tid[256];
    job jobs[256];
    if (threads > 256) threads = 256;
    double t0 = now();
    for (int t = 0; t < threads; t++) { jobs[t] = (job){iters, 0, 0, 0}; pthread_create(&tid[t], NULL, work, &jobs[t]); }
    for (int t = 0; t < threads; t++) pthread_join(tid[t], NULL);
    double wall = now() - t0;
    double per_thread = 2.0 * LANES * CHAINS * (double)iters;
    double g = per_thread * threads / wall / 1e9, gc = 0;
    for (int t = 0; t < threads; t++) gc += per_thread / jobs[t].cpu_seconds / 1e9;
    if (g > best) best = g;
    if (gc > best_cpu) best_cpu = gc;
  }
  /* gflops: flops / wall time (what the threads got, with other processes running); gflops_cpu_time: the sum
     over threads of flops / that thread's CPU time (the cores' rate while they run, unaffected by sharing). */
  printf("{\"threads\": %d, \"lanes\": %d, \"chains\": %d, \"gflops\": %.2f, \"gflops_per_thread\": %.2f, "
         "\"gflops_cpu_time\": %.2f}\n", threads, LANES, CHAINS, best, best / threads, best_cpu);
  return 0;
}

/* machine_test_affinity_probe: a test-only model that shows where its units ran. It runs
 * `concurrency` pthreads; each calls bind_unit(job, unit) first, reads its own CPU mask with
 * sched_getaffinity, then runs tasks unit, unit + concurrency, ... . The runner's main thread
 * reads its mask on entry, before any unit binds (the runner's own binding). When the
 * environment names a file in PARLAB_AFFINITY_PROBE_OUT, run() writes there:
 *     main 0,1
 *     unit 0 0
 *     unit 1 1
 * (CPU lists in increasing order). Written in C11, like the runner's other test plugins. */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>

#include "parlab/model_abi.h"

#define PROBE_MAX_UNITS 64
#define PROBE_CPUS_CAPACITY 512

typedef struct {
  const parlab_job_t* job;
  uint32_t unit;
  int32_t status;
  parlab_error_t error;
  char cpus[PROBE_CPUS_CAPACITY];
} ProbeUnit;

/* The calling thread's CPU mask as "0,2,3". */
static void DescribeMask(char* out, size_t size) {
  cpu_set_t set;
  CPU_ZERO(&set);
  out[0] = '\0';
  if (sched_getaffinity(0, sizeof(set), &set) != 0) {
    snprintf(out, size, "?");
    return;
  }
  size_t len = 0;
  for (int cpu = 0; cpu < CPU_SETSIZE && len < size; ++cpu) {
    if (!CPU_ISSET(cpu, &set)) continue;
    int n = snprintf(out + len, size - len, len == 0 ? "%d" : ",%d", cpu);
    if (n < 0) break;
    len += (size_t)n;
  }
}

static void* UnitMain(void* arg) {
  ProbeUnit* u = (ProbeUnit*)arg;
  u->job->bind_unit(u->job, u->unit);
  DescribeMask(u->cpus, sizeof(u->cpus));
  for (uint64_t i = u->unit; i < u->job->task_count; i += u->job->concurrency) {
    u->status = u->job->run_task(u->job, i, &u->error);
    if (u->status != PARLAB_OK) break;
  }
  return NULL;
}

static int32_t Run(const parlab_job_t* job, parlab_error_t* error) {
  static ProbeUnit units[PROBE_MAX_UNITS];
  char main_cpus[PROBE_CPUS_CAPACITY];
  DescribeMask(main_cpus, sizeof(main_cpus));
  if (job->concurrency > PROBE_MAX_UNITS) {
    snprintf(error->message, sizeof(error->message), "probe: at most %d units", PROBE_MAX_UNITS);
    return PARLAB_ERROR;
  }
  pthread_t threads[PROBE_MAX_UNITS];
  uint32_t started = 0;
  for (uint32_t u = 0; u < job->concurrency; ++u) {
    ProbeUnit init = {job, u, PARLAB_OK, {{0}}, {0}};
    units[u] = init;
    if (pthread_create(&threads[u], NULL, &UnitMain, &units[u]) != 0) break;
    ++started;
  }
  for (uint32_t u = 0; u < started; ++u) pthread_join(threads[u], NULL);
  if (started != job->concurrency) {
    snprintf(error->message, sizeof(error->message), "probe: cannot create thread %u", started);
    return PARLAB_ERROR;
  }
  const char* path = getenv("PARLAB_AFFINITY_PROBE_OUT");
  if (path != NULL) {
    FILE* out = fopen(path, "w");
    if (out == NULL) {
      snprintf(error->message, sizeof(error->message), "probe: cannot write %s", path);
      return PARLAB_ERROR;
    }
    fprintf(out, "main %s\n", main_cpus);
    for (uint32_t u = 0; u < started; ++u) fprintf(out, "unit %u %s\n", u, units[u].cpus);
    fclose(out);
  }
  for (uint32_t u = 0; u < started; ++u) {
    if (units[u].status != PARLAB_OK) {
      *error = units[u].error;
      return units[u].status;
    }
  }
  return PARLAB_OK;
}

PARLAB_EXPORT const parlab_model_entry_t parlab_model_entry = {
    PARLAB_ABI_VERSION,
    "machine_test_affinity_probe",
    "0.0.1",
    "Test-only: one pthread per unit, each bound and reporting its CPU mask",
    0,
    &Run,
    PARLAB_BOUNDS_TASKS};

/* runner_test_abi_v1: a model plugin as it was written against ABI version 1, before
 * concurrency_bounds (entry) and bind_unit (job) were appended in version 2. It deliberately
 * does NOT include parlab/model_abi.h: the structs and constants below are a frozen copy of
 * the version-1 header, so this plugin keeps testing the old layout however the header moves
 * on. The runner must load it, run its tasks, and read its bound as PARLAB_BOUNDS_TASKS.
 *
 * Like runner_test_probe it runs tasks in order, even ones through run_task() and odd ones
 * through step_task() (timer waits by nanosleep()), logs once, and stops when cancelled. */
#define _POSIX_C_SOURCE 200809L
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

/* ---- Frozen copy of parlab/model_abi.h at ABI version 1. Never edit. ---- */
#define V1_OK 0
#define V1_ERROR 1
#define V1_CANCELLED 2
#define V1_STEP_DONE 0
#define V1_STEP_WAIT 1
#define V1_STEP_ERROR 2
#define V1_WAIT_TIMER 0

typedef struct v1_wait {
  uint32_t kind;
  int32_t fd;
  uint64_t timeout_ns;
} v1_wait_t;

typedef struct v1_error {
  char message[512];
} v1_error_t;

typedef struct v1_job v1_job_t;
struct v1_job {
  uint64_t task_count;
  uint32_t concurrency;
  void* host;
  int32_t (*run_task)(const v1_job_t* job, uint64_t index, v1_error_t* error);
  int32_t (*step_task)(const v1_job_t* job, uint64_t index, void** state, v1_wait_t* wait,
                       v1_error_t* error);
  int32_t (*is_cancelled)(const v1_job_t* job);
  void (*log)(const v1_job_t* job, const char* message);
  /* version 1 ends here: no bind_unit */
};

typedef struct v1_model_entry {
  uint32_t abi_version;
  const char* name;
  const char* version;
  const char* description;
  uint32_t max_concurrency;
  int32_t (*run)(const v1_job_t* job, v1_error_t* error);
  /* version 1 ends here: no concurrency_bounds */
} v1_model_entry_t;
/* ---- End of the frozen copy. ---- */

static int32_t StepToCompletion(const v1_job_t* job, uint64_t index, v1_error_t* error) {
  void* state = NULL;
  for (;;) {
    v1_wait_t wait = {0, -1, 0};
    int32_t rc = job->step_task(job, index, &state, &wait, error);
    if (rc == V1_STEP_DONE) return V1_OK;
    if (rc == V1_STEP_ERROR) return job->is_cancelled(job) ? V1_CANCELLED : V1_ERROR;
    if (wait.kind != V1_WAIT_TIMER) {
      snprintf(error->message, sizeof(error->message), "task %llu: unexpected wait kind %u",
               (unsigned long long)index, (unsigned)wait.kind);
      return V1_ERROR;
    }
    struct timespec pause = {(time_t)(wait.timeout_ns / 1000000000u),
                             (long)(wait.timeout_ns % 1000000000u)};
    nanosleep(&pause, NULL);
  }
}

static int32_t Run(const v1_job_t* job, v1_error_t* error) {
  job->log(job, "abi_v1: run() entered");
  for (uint64_t i = 0; i < job->task_count; ++i) {
    if (job->is_cancelled(job)) {
      snprintf(error->message, sizeof(error->message), "cancelled");
      return V1_CANCELLED;
    }
    int32_t rc = (i % 2 == 0) ? job->run_task(job, i, error) : StepToCompletion(job, i, error);
    if (rc != V1_OK) return rc;
  }
  return V1_OK;
}

/* The exported object is the version-1 entry followed by one more word, standing in for
 * whatever a real version-1 plugin has after its entry. The word sits exactly where version 2
 * keeps concurrency_bounds and holds PARLAB_BOUNDS_THREADS (1), so a host that read that field
 * from a version-1 entry would report "threads" and fail the test, instead of reading garbage
 * that happens to be 0. */
__attribute__((visibility("default"))) const struct {
  v1_model_entry_t entry;
  uint32_t after_the_entry;
} parlab_model_entry = {
    {1u, "runner_test_abi_v1", "0.0.1",
     "Test-only: an ABI version 1 plugin (frozen layout: no concurrency_bounds, no bind_unit)", 0,
     &Run},
    1u,
};

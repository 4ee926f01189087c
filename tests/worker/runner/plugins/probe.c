/* runner_test_probe: a minimal sequential model written in C11, so the runner's host callbacks
 * are exercised from C: even tasks go through run_task(), odd ones through step_task() with
 * the timer waits done by nanosleep(). It also logs, and stops when the job is cancelled. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <time.h>

#include "parlab/model_abi.h"

static int32_t StepToCompletion(const parlab_job_t* job, uint64_t index, parlab_error_t* error) {
  void* state = NULL;
  for (;;) {
    parlab_wait_t wait = {0, -1, 0};
    int32_t rc = job->step_task(job, index, &state, &wait, error);
    if (rc == PARLAB_STEP_DONE) return PARLAB_OK;
    if (rc == PARLAB_STEP_ERROR) return job->is_cancelled(job) ? PARLAB_CANCELLED : PARLAB_ERROR;
    if (wait.kind != PARLAB_WAIT_TIMER) {
      snprintf(error->message, sizeof(error->message), "task %llu: unexpected wait kind %u",
               (unsigned long long)index, (unsigned)wait.kind);
      return PARLAB_ERROR;
    }
    struct timespec pause = {(time_t)(wait.timeout_ns / 1000000000u),
                             (long)(wait.timeout_ns % 1000000000u)};
    nanosleep(&pause, NULL);
  }
}

static int32_t Run(const parlab_job_t* job, parlab_error_t* error) {
  job->log(job, "probe: run() entered");
  for (uint64_t i = 0; i < job->task_count; ++i) {
    if (job->is_cancelled(job)) {
      snprintf(error->message, sizeof(error->message), "cancelled");
      return PARLAB_CANCELLED;
    }
    int32_t rc = (i % 2 == 0) ? job->run_task(job, i, error) : StepToCompletion(job, i, error);
    if (rc != PARLAB_OK) return rc;
  }
  return PARLAB_OK;
}

PARLAB_EXPORT const parlab_model_entry_t parlab_model_entry = {
    PARLAB_ABI_VERSION,
    "runner_test_probe",
    "0.0.1",
    "Test-only: tasks in order, alternating run_task and step_task",
    0,
    &Run};

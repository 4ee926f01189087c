/* runner_test_fails: the first run() succeeds, every later one fails with a message, so the
 * runner must keep the first sample and then report the error. */
#include <stdio.h>

#include "parlab/model_abi.h"

static int runs = 0;

static int32_t Run(const parlab_job_t* job, parlab_error_t* error) {
  if (runs++ > 0) {
    snprintf(error->message, sizeof(error->message), "task 3: deliberate failure");
    return PARLAB_ERROR;
  }
  for (uint64_t i = 0; i < job->task_count; ++i) {
    int32_t rc = job->run_task(job, i, error);
    if (rc != PARLAB_OK) return rc;
  }
  return PARLAB_OK;
}

PARLAB_EXPORT const parlab_model_entry_t parlab_model_entry = {
    PARLAB_ABI_VERSION,
    "runner_test_fails",
    "0.0.1",
    "Test-only: fails from the second run on",
    0,
    &Run};

/* runner_test_liar: claims success after skipping the last task. The runner must notice that
 * not every task completed and report an error instead of a timing. */
#include "parlab/model_abi.h"

static int32_t Run(const parlab_job_t* job, parlab_error_t* error) {
  for (uint64_t i = 0; i + 1 < job->task_count; ++i) {
    int32_t rc = job->run_task(job, i, error);
    if (rc != PARLAB_OK) return rc;
  }
  return PARLAB_OK;
}

PARLAB_EXPORT const parlab_model_entry_t parlab_model_entry = {
    PARLAB_ABI_VERSION, "runner_test_liar", "0.0.1", "Test-only: skips the last task", 0, &Run};

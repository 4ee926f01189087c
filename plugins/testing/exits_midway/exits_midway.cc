// exits_midway (test-only): runs task 0, then ends the process with _exit(1) — what a
// sanitizer does after its report, or a plugin that calls exit() — so `parlab models
// validate` can be tested against a runner that exits "normally" in the middle of a check.
#include <unistd.h>

#include "parlab/model_abi.h"

namespace {

int32_t Run(const parlab_job_t* job, parlab_error_t* error) {
  if (job->task_count > 0) job->run_task(job, 0, error);
  _exit(1);
}

}  // namespace

extern "C" PARLAB_EXPORT const parlab_model_entry_t parlab_model_entry = {
    .abi_version = PARLAB_ABI_VERSION,
    .name = "exits_midway",
    .version = "1.0.0",
    .description = "Test-only: runs task 0, then calls _exit(1)",
    .max_concurrency = 0,
    .run = &Run,
    .concurrency_bounds = PARLAB_BOUNDS_TASKS,
};

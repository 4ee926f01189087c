// leaks_thread (test-only): runs every task correctly on the calling thread, then starts a
// detached thread that outlives run(), which the ABI forbids. `parlab models validate` must
// fail it on "no_leftovers".
#include <unistd.h>

#include <cstdint>
#include <cstring>
#include <thread>

#include "parlab/model_abi.h"

namespace {

int32_t Run(const parlab_job_t* job, parlab_error_t* error) {
  for (uint64_t i = 0; i < job->task_count; ++i) {
    if (job->is_cancelled(job) != 0) {
      std::strcpy(error->message, "cancelled");
      return PARLAB_CANCELLED;
    }
    if (const int32_t rc = job->run_task(job, i, error); rc != PARLAB_OK) return rc;
  }
  try {
    std::thread([] {
      for (;;) pause();  // lives until the process ends
    }).detach();
  } catch (...) {
  }
  return PARLAB_OK;
}

}  // namespace

extern "C" PARLAB_EXPORT const parlab_model_entry_t parlab_model_entry = {
    .abi_version = PARLAB_ABI_VERSION,
    .name = "leaks_thread",
    .version = "1.0.0",
    .description = "Test-only: leaves a detached thread running after run() returns",
    .max_concurrency = 0,
    .run = &Run,
    .concurrency_bounds = PARLAB_BOUNDS_TASKS,
};

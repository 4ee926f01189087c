// exceeds_concurrency (test-only): runs every task correctly, but on 2 x concurrency threads,
// twice the units it was allowed. `parlab models validate` must fail it on "concurrency".
#include <atomic>
#include <cstdint>
#include <cstring>
#include <thread>
#include <vector>

#include "parlab/model_abi.h"

namespace {

int32_t Run(const parlab_job_t* job, parlab_error_t* error) {
  std::atomic<uint64_t> next{0};
  std::atomic<int32_t> status{PARLAB_OK};
  try {
    std::vector<std::jthread> threads;
    for (uint32_t t = 0; t < 2 * job->concurrency; ++t) {
      threads.emplace_back([&] {
        parlab_error_t task_error{};
        for (uint64_t i; (i = next.fetch_add(1)) < job->task_count && status == PARLAB_OK;) {
          if (const int32_t rc = job->run_task(job, i, &task_error); rc != PARLAB_OK) status = rc;
        }
      });
    }
  } catch (...) {
    std::strcpy(error->message, "cannot start a thread");
    return PARLAB_ERROR;
  }
  if (status != PARLAB_OK) std::strcpy(error->message, "a task failed");
  return status;
}

}  // namespace

extern "C" PARLAB_EXPORT const parlab_model_entry_t parlab_model_entry = {
    .abi_version = PARLAB_ABI_VERSION,
    .name = "exceeds_concurrency",
    .version = "1.0.0",
    .description = "Test-only: runs tasks on twice as many threads as the concurrency allows",
    .max_concurrency = 0,
    .run = &Run,
    .concurrency_bounds = PARLAB_BOUNDS_TASKS,
};

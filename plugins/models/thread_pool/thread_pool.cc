// thread_pool: min(concurrency, task_count) threads, created once, each pulling the next task
// index from a shared atomic counter until none is left.
#include <algorithm>
#include <atomic>
#include <cstdint>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include "model_support.h"
#include "parlab/model_abi.h"

namespace parlab::models {
namespace {

void Work(const parlab_job_t* job, uint32_t unit, std::atomic<uint64_t>& next, Outcome& outcome) {
  BindUnit(job, unit);
  for (;;) {
    // Take the index first so that a job whose last task already finished is not reported
    // as cancelled by a late look at the cancel flag.
    const uint64_t i = next.fetch_add(1);
    if (i >= job->task_count || outcome.ShouldStop(job)) return;
    parlab_error_t task_error{};
    outcome.Record(i, job->run_task(job, i, &task_error), task_error);
  }
}

int32_t Run(const parlab_job_t* job, parlab_error_t* error) {
  return GuardRun(job, error, [&] {
    Outcome outcome;
    std::atomic<uint64_t> next{0};
    const uint64_t workers = std::min<uint64_t>(job->concurrency, job->task_count);
    {
      std::vector<std::jthread> pool;  // joined when the scope ends
      pool.reserve(workers);
      for (uint64_t w = 0; w < workers; ++w) {
        try {
          pool.emplace_back([&, w] { Work(job, static_cast<uint32_t>(w), next, outcome); });
        } catch (const std::system_error& e) {
          outcome.Fail(PARLAB_ERROR,
                       "cannot create worker thread " + std::to_string(w) + ": " + e.what());
          break;
        }
      }
    }
    return outcome.Finish(error);
  });
}

}  // namespace
}  // namespace parlab::models

extern "C" PARLAB_EXPORT const parlab_model_entry_t parlab_model_entry = {
    .abi_version = PARLAB_ABI_VERSION,
    .name = "thread_pool",
    .version = "1.0.0",
    .description = "A pool of `concurrency` threads pulling task indices from an atomic counter",
    .max_concurrency = 0,
    .run = &parlab::models::Run,
    .concurrency_bounds = PARLAB_BOUNDS_TASKS,
};

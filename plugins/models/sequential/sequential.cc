// sequential: runs the tasks one after another on the calling thread — the speedup baseline.
#include <cstdint>

#include "model_support.h"
#include "parlab/model_abi.h"

namespace parlab::models {
namespace {

int32_t Run(const parlab_job_t* job, parlab_error_t* error) {
  return GuardRun(job, error, [&] {
    Outcome outcome;
    for (uint64_t i = 0; i < job->task_count && !outcome.ShouldStop(job); ++i) {
      parlab_error_t task_error{};
      outcome.Record(i, job->run_task(job, i, &task_error), task_error);
    }
    return outcome.Finish(error);
  });
}

}  // namespace
}  // namespace parlab::models

extern "C" PARLAB_EXPORT const parlab_model_entry_t parlab_model_entry = {
    .abi_version = PARLAB_ABI_VERSION,
    .name = "sequential",
    .version = "1.0.0",
    .description = "Runs the tasks one after another on the calling thread (baseline)",
    .max_concurrency = 1,
    .run = &parlab::models::Run,
    .concurrency_bounds = PARLAB_BOUNDS_TASKS,
};

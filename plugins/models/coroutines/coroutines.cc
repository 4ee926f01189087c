// coroutines: Boost.Asio C++20 coroutines on ONE io_context run on the calling thread.
// min(concurrency, task_count) runner coroutines pull task indices from a counter, so at most
// `concurrency` tasks are in flight. Each task is stepped (job->step_task); when it waits,
// its coroutine suspends on a steady_timer or on the fd's readiness instead of blocking the
// thread, which is what lets thousands of waiting tasks overlap on one thread. The stepping
// itself lives in support/asio_stepped_tasks.h, shared with coroutines_mt.
#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <cstdint>

#include "asio_stepped_tasks.h"
#include "model_support.h"
#include "parlab/model_abi.h"

namespace parlab::models {
namespace {

int32_t Run(const parlab_job_t* job, parlab_error_t* error) {
  return GuardRun(job, error, [&] {
    Outcome outcome;
    boost::asio::io_context io(1);
    SteppedTasks tasks(job, outcome);
    const uint64_t runners = std::min<uint64_t>(job->concurrency, job->task_count);
    for (uint64_t r = 0; r < runners; ++r) tasks.Spawn(io.get_executor());
    io.run();  // returns when every coroutine has finished
    return outcome.Finish(error);
  });
}

}  // namespace
}  // namespace parlab::models

extern "C" PARLAB_EXPORT const parlab_model_entry_t parlab_model_entry = {
    .abi_version = PARLAB_ABI_VERSION,
    .name = "coroutines",
    .version = "1.0.0",
    .description = "Boost.Asio C++20 coroutines on one thread, `concurrency` tasks in flight",
    .max_concurrency = 0,
    .run = &parlab::models::Run,
    .concurrency_bounds = PARLAB_BOUNDS_TASKS,
};

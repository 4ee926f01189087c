// std_async: an example parlab model plugin, built out of tree against the installed SDK.
//
// One std::async(std::launch::async, ...) per task, with at most job->concurrency futures
// pending at once: when the window is full, wait for the oldest. libstdc++ runs each launch::async
// task on a thread of its own and joins that thread when the future is waited on, so "futures
// pending" is also "threads alive" — the bound `parlab models validate` checks.
//
// The contract (docs/plugin-authoring.md, parlab/model_abi.h): run() is called on the runner's
// main thread; it must run tasks 0..task_count-1 exactly once each, keep at most `concurrency`
// units alive, stop starting tasks once is_cancelled() is non-zero, report the first failure in
// `error`, let no exception escape, and leave nothing running when it returns.
#include <cstdint>
#include <cstdio>
#include <deque>
#include <exception>
#include <future>

#include "parlab/model_abi.h"

namespace {

struct TaskResult {
  uint64_t index;
  int32_t status;
  parlab_error_t error;
};

TaskResult RunOne(const parlab_job_t* job, uint64_t index, uint32_t unit) {
  // Pin this thread where the plan's affinity puts unit `unit` (a no-op under "none").
  if (job->bind_unit != nullptr) job->bind_unit(job, unit);
  TaskResult result{index, PARLAB_OK, {}};
  result.status = job->run_task(job, index, &result.error);  // blocking form: thread per task
  return result;
}

// Waits for the oldest future; keeps the first failure.
void Collect(std::deque<std::future<TaskResult>>& pending, int32_t& status, parlab_error_t* error) {
  TaskResult result = pending.front().get();
  pending.pop_front();
  if (result.status != PARLAB_OK && status == PARLAB_OK) {
    status = result.status;
    // %.480s: room for the prefix, so the task's own message is what gets cut, if anything.
    std::snprintf(error->message, sizeof(error->message), "task %llu: %.480s",
                  static_cast<unsigned long long>(result.index), result.error.message);
  }
}

int32_t Run(const parlab_job_t* job, parlab_error_t* error) {
  std::deque<std::future<TaskResult>> pending;
  int32_t status = PARLAB_OK;
  try {
    for (uint64_t i = 0; i < job->task_count && status == PARLAB_OK; ++i) {
      if (job->is_cancelled(job) != 0) {
        status = PARLAB_CANCELLED;
        std::snprintf(error->message, sizeof(error->message), "cancelled before task %llu",
                      static_cast<unsigned long long>(i));
        break;
      }
      if (pending.size() == job->concurrency) Collect(pending, status, error);
      if (status != PARLAB_OK) break;
      // The window is FIFO: task i starts once task i - concurrency ended, so i % concurrency
      // is a unit number no live thread holds.
      const uint32_t unit = static_cast<uint32_t>(i % job->concurrency);
      pending.push_back(std::async(std::launch::async, RunOne, job, i, unit));
    }
    while (!pending.empty()) Collect(pending, status, error);  // nothing outlives run()
  } catch (const std::exception& e) {
    // E.g. std::system_error: no thread could be created. Exceptions never cross the C ABI;
    // the futures' destructors wait for the tasks already started.
    std::snprintf(error->message, sizeof(error->message), "std_async: %s", e.what());
    return PARLAB_ERROR;
  }
  return status;
}

}  // namespace

extern "C" PARLAB_EXPORT const parlab_model_entry_t parlab_model_entry = {
    .abi_version = PARLAB_ABI_VERSION,  // from the header this plugin was compiled against
    .name = "std_async",
    .version = "1.0.0",
    .description = "One std::async per task, at most `concurrency` futures pending",
    .max_concurrency = 0,  // any concurrency; 1 would mark a sequential model
    .run = &Run,
    .concurrency_bounds = PARLAB_BOUNDS_TASKS,
};

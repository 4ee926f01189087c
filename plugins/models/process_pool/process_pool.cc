// process_pool: min(concurrency, task_count) children forked up front, each pulling task
// indices from an atomic counter in MAP_SHARED|MAP_ANONYMOUS memory. The first failing task
// is recorded in that shared area; the parent reaps every worker and reports one that died by
// a signal, naming the task it was running.
#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstring>
#include <new>
#include <string>

#include "child_processes.h"
#include "model_support.h"
#include "parlab/common/shared_page.h"
#include "parlab/model_abi.h"

namespace parlab::models {
namespace {

constexpr int kPollMs = 20;
constexpr uint64_t kIdle = UINT64_MAX;  // a worker's `current` between tasks

// Lives in shared memory; the atomics are lock-free, so they work across processes.
struct Shared {
  std::atomic<uint64_t> next{0};       // the next task index to take
  std::atomic<uint64_t> completed{0};  // tasks that returned PARLAB_OK
  std::atomic<uint32_t> stop{0};       // set on failure or cancel: take no new task
  std::atomic<uint32_t> cancelled{0};  // a worker saw the cancel flag
  std::atomic<uint32_t> claimed{0};    // a worker claimed the failure record below
  std::atomic<uint32_t> published{0};  // ... and finished writing it
  uint64_t failed_index = 0;
  int32_t failed_status = PARLAB_OK;
  parlab_error_t failed_error{};
  std::atomic<uint64_t>* current = nullptr;  // per worker, just after this struct: task or kIdle
};
static_assert(std::atomic<uint64_t>::is_always_lock_free);

void Work(const parlab_job_t* job, Shared* shared, uint64_t w) {
  BindUnit(job, static_cast<uint32_t>(w));
  for (;;) {
    const uint64_t i = shared->next.fetch_add(1);
    if (i >= job->task_count || shared->stop.load()) return;
    if (job->is_cancelled != nullptr && job->is_cancelled(job) != 0) {
      shared->cancelled.store(1);
      shared->stop.store(1);
      return;
    }
    shared->current[w].store(i);
    parlab_error_t task_error{};
    const int32_t status = job->run_task(job, i, &task_error);
    shared->current[w].store(kIdle);
    if (status == PARLAB_OK) {
      shared->completed.fetch_add(1);
      continue;
    }
    if (shared->claimed.exchange(1) == 0) {
      shared->failed_index = i;
      shared->failed_status = status;
      shared->failed_error = task_error;
      shared->published.store(1);
    }
    shared->stop.store(1);
    return;
  }
}

// Lays out the Shared struct and the workers' `current` slots after it in `area`.
Shared* Layout(SharedMapping& area, uint64_t workers) {
  Shared* shared = area.Construct<Shared>();
  // Forked children inherit the mapping at the same address, so this pointer stays valid.
  shared->current = reinterpret_cast<std::atomic<uint64_t>*>(shared + 1);
  for (uint64_t w = 0; w < workers; ++w) new (&shared->current[w]) std::atomic<uint64_t>(kIdle);
  return shared;
}

int32_t Run(const parlab_job_t* job, parlab_error_t* error) {
  return GuardRun(job, error, [&] {
    Outcome outcome;
    const uint64_t workers = std::min<uint64_t>(job->concurrency, job->task_count);
    // Unmapped when run() returns, after every worker was reaped.
    int map_error = 0;
    SharedMapping area = SharedMapping::Map(
        sizeof(Shared) + workers * sizeof(std::atomic<uint64_t>), /*shared=*/true, &map_error);
    if (map_error != 0) {
      outcome.Fail(PARLAB_ERROR, std::string("cannot map the shared area: ") + strerror(map_error));
      return outcome.Finish(error);
    }
    Shared* shared = Layout(area, workers);
    auto take_failure = [&] {
      if (shared->published.load() != 0) {
        outcome.Record(shared->failed_index, shared->failed_status, shared->failed_error);
      }
    };
    {
      ChildSet children;  // declared after `area`: reaped before it is unmapped
      for (uint64_t w = 0; w < workers; ++w) {
        const int err = children.Spawn(w, [&](int) { Work(job, shared, w); });
        if (err != 0) {
          outcome.Fail(PARLAB_ERROR,
                       "cannot fork worker process " + std::to_string(w) + ": " + strerror(err));
          break;
        }
      }
      while (children.size() > 0) {
        take_failure();
        if (outcome.ShouldStop(job)) {
          shared->stop.store(1);
          children.KillAll();
          break;
        }
        for (const ChildSet::Exit& exit : children.WaitSome(kPollMs)) {
          if (!WIFSIGNALED(exit.wait_status)) continue;
          const uint64_t task = shared->current[exit.tag].load();
          const std::string who = task == kIdle
                                      ? "worker process " + std::to_string(exit.tag)
                                      : "task " + std::to_string(task) + ": worker process";
          outcome.Fail(PARLAB_ERROR, who + " " + DescribeWaitStatus(exit.wait_status));
        }
      }
    }
    take_failure();
    const uint64_t completed = shared->completed.load();
    if (!outcome.failed() && completed != job->task_count) {
      // Workers stopped early without a recorded failure: they saw the cancel flag.
      if (shared->cancelled.load() != 0) {
        outcome.Fail(PARLAB_CANCELLED, "cancelled");
      } else {
        outcome.Fail(PARLAB_ERROR, "only " + std::to_string(completed) + " of " +
                                       std::to_string(job->task_count) + " tasks completed");
      }
    }
    return outcome.Finish(error);
  });
}

}  // namespace
}  // namespace parlab::models

extern "C" PARLAB_EXPORT const parlab_model_entry_t parlab_model_entry = {
    .abi_version = PARLAB_ABI_VERSION,
    .name = "process_pool",
    .version = "1.0.0",
    .description = "A pool of `concurrency` pre-forked processes pulling tasks from shared memory",
    .max_concurrency = 0,
    .run = &parlab::models::Run,
    .concurrency_bounds = PARLAB_BOUNDS_TASKS,
};

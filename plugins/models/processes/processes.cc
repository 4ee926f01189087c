// processes: one fork()ed child per task, at most job->concurrency alive at once. The child
// binds itself to its unit (its slot in the ChildTable), runs the task, writes a Report
// (status + error) into its slot and _exit()s; the parent reaps it. A child killed by a signal
// fails the job. On failure or cancel the parent stops forking and SIGKILLs + reaps the
// children still running, so none outlives run().
//
// The fork loop writes no private memory of its own between two fork()s: each such page would
// cost the parent a copy-on-write fault per child (ChildTable says more; the figures are in
// docs/performance.md, "Creation cost").
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string>

#include "child_processes.h"  // DescribeWaitStatus
#include "child_table.h"
#include "model_support.h"
#include "parlab/model_abi.h"

namespace parlab::models {
namespace {

// How often the parent looks at the cancel flag while children run.
constexpr int kPollMs = 20;

// What a child leaves in its slot for the parent.
struct Report {
  int32_t status;
  parlab_error_t error;
};

using Children = ChildTable<Report>;

void RunChild(const parlab_job_t* job, uint64_t index, uint32_t unit, Report& report) {
  BindUnit(job, unit);
  report.status = job->run_task(job, index, &report.error);
}

// Turns a reaped child into the task's result.
void Judge(const Children::Exit& exit, Outcome& outcome) {
  const std::string task = "task " + std::to_string(exit.tag) + ": ";
  if (WIFSIGNALED(exit.wait_status)) {
    outcome.Fail(PARLAB_ERROR, task + "child process " + DescribeWaitStatus(exit.wait_status));
    return;
  }
  if (exit.report == nullptr) {
    outcome.Fail(PARLAB_ERROR, task + "child process " + DescribeWaitStatus(exit.wait_status) +
                                   " without reporting a result");
    return;
  }
  outcome.Record(exit.tag, exit.report->status, exit.report->error);
}

int32_t Run(const parlab_job_t* job, parlab_error_t* error) {
  return GuardRun(job, error, [&] {
    Outcome outcome;
    Children children;  // kills and reaps leftovers on any exit path
    const uint32_t capacity =
        static_cast<uint32_t>(std::clamp<uint64_t>(job->task_count, 1, job->concurrency));
    if (const int err = children.Init(capacity); err != 0) {
      outcome.Fail(PARLAB_ERROR, "cannot map the table of " + std::to_string(capacity) +
                                     " children: " + strerror(err));
      return outcome.Finish(error);
    }
    uint64_t next = 0;
    for (;;) {
      const bool all_started = next >= job->task_count;
      if (all_started && children.size() == 0) break;  // every task ran and was reaped
      if (outcome.ShouldStop(job)) {
        children.KillAll();
        break;
      }
      if (!all_started && children.size() < capacity) {
        const uint64_t i = next++;
        const int err = children.Spawn(
            i, [&](uint32_t unit, Report& report) { RunChild(job, i, unit, report); });
        if (err != 0) {
          outcome.Fail(PARLAB_ERROR,
                       "task " + std::to_string(i) +
                           ": cannot start a child process (fork/pidfd_open): " + strerror(err));
        }
        continue;
      }
      children.WaitSome(kPollMs, [&](const Children::Exit& exit) { Judge(exit, outcome); });
    }
    return outcome.Finish(error);
  });
}

}  // namespace
}  // namespace parlab::models

extern "C" PARLAB_EXPORT const parlab_model_entry_t parlab_model_entry = {
    .abi_version = PARLAB_ABI_VERSION,
    .name = "processes",
    .version = "1.0.0",
    .description = "One fork()ed child process per task, at most `concurrency` alive at once",
    .max_concurrency = 0,
    .run = &parlab::models::Run,
    .concurrency_bounds = PARLAB_BOUNDS_TASKS,
};

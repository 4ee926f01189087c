// processes: one fork()ed child per task, at most job->concurrency alive at once. The child
// runs the task, writes a Report (status + error) into its pipe and _exit()s; the parent reaps
// it. A child killed by a signal fails the job. On failure or cancel the parent stops forking
// and SIGKILLs + reaps the children still running, so none outlives run().
#include <cstdint>
#include <cstring>
#include <string>

#include "child_processes.h"
#include "model_support.h"
#include "parlab/model_abi.h"

namespace parlab::models {
namespace {

// How often the parent looks at the cancel flag while children run.
constexpr int kPollMs = 20;

// What a child sends its parent: plain bytes, well below PIPE_BUF, so one atomic write.
struct Report {
  int32_t status;
  parlab_error_t error;
};

void RunChild(const parlab_job_t* job, uint64_t index, int report_fd) {
  Report report{};
  report.status = job->run_task(job, index, &report.error);
  WriteAll(report_fd, &report, sizeof(report));
}

// Turns a reaped child into the task's result.
void Judge(const ChildSet::Exit& exit, Outcome& outcome) {
  const std::string task = "task " + std::to_string(exit.tag) + ": ";
  if (WIFSIGNALED(exit.wait_status)) {
    outcome.Fail(PARLAB_ERROR, task + "child process " + DescribeWaitStatus(exit.wait_status));
    return;
  }
  if (exit.report.size() != sizeof(Report)) {
    outcome.Fail(PARLAB_ERROR, task + "child process " + DescribeWaitStatus(exit.wait_status) +
                                   " without reporting a result");
    return;
  }
  Report report;
  std::memcpy(&report, exit.report.data(), sizeof(report));
  outcome.Record(exit.tag, report.status, report.error);
}

int32_t Run(const parlab_job_t* job, parlab_error_t* error) {
  return GuardRun(job, error, [&] {
    Outcome outcome;
    ChildSet children;  // kills and reaps leftovers on any exit path
    uint64_t next = 0;
    for (;;) {
      const bool all_started = next >= job->task_count;
      if (all_started && children.size() == 0) break;  // every task ran and was reaped
      if (outcome.ShouldStop(job)) {
        children.KillAll();
        break;
      }
      if (!all_started && children.size() < job->concurrency) {
        const uint64_t i = next++;
        const int err = children.Spawn(i, [&](int fd) { RunChild(job, i, fd); });
        if (err != 0) {
          outcome.Fail(PARLAB_ERROR,
                       "task " + std::to_string(i) + ": cannot fork a child: " + strerror(err));
        }
        continue;
      }
      for (const ChildSet::Exit& exit : children.WaitSome(kPollMs)) Judge(exit, outcome);
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

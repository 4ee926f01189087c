// sleep: I/O-bound stand-in. Each task waits `ms` milliseconds and checks that at least that much
// time passed. Its Step() form hands the wait to the model (PARLAB_WAIT_TIMER), so a coroutine
// model suspends instead of blocking its thread.
#include "absl/strings/str_cat.h"
#include "kinds.h"
#include "parlab/common/clock.h"
#include "parlab/common/status_macros.h"
#include "parlab/workloads/params.h"
#include "timed_hold.h"

namespace parlab::workloads {
namespace {

constexpr char kKind[] = "sleep";
constexpr int64_t kMaxMs = 3'600'000;  // an hour per task is surely a typo
constexpr uint64_t kNsPerMs = 1'000'000;

class Sleep : public Workload {
 public:
  Sleep(uint64_t tasks, uint64_t ms) : tasks_(tasks), wait_ns_(ms * kNsPerMs) {}

  uint64_t task_count() const override { return tasks_; }

  absl::Status RunTask(uint64_t index) override {
    PARLAB_RETURN_IF_ERROR(CheckTask(kKind, index, /*prepared=*/true));
    const int64_t start = MonotonicNowNs();
    PARLAB_RETURN_IF_ERROR(SleepUntil(kKind, index, start + static_cast<int64_t>(wait_ns_)));
    return CheckElapsed(index, static_cast<uint64_t>(MonotonicNowNs() - start));
  }

  absl::StatusOr<StepResult> Step(uint64_t index, std::unique_ptr<TaskState>& state,
                                  parlab_wait_t& wait) override {
    PARLAB_RETURN_IF_ERROR(CheckTask(kKind, index, /*prepared=*/true));
    return StepHold(kKind, index, MonotonicNowNs(), wait_ns_, state, wait);
  }

 private:
  absl::Status CheckElapsed(uint64_t index, uint64_t elapsed_ns) const {
    if (elapsed_ns >= wait_ns_) return absl::OkStatus();
    return absl::InternalError(absl::StrCat(kKind, " task ", index, ": woke after ", elapsed_ns,
                                            " ns, expected at least ", wait_ns_, " ns"));
  }

  uint64_t tasks_;
  uint64_t wait_ns_;
};

absl::StatusOr<std::unique_ptr<Workload>> Create(const v1::WorkloadSpec& spec) {
  PARLAB_ASSIGN_OR_RETURN(ParamReader params,
                          ParamReader::Create(kKind, spec.params(), {"tasks", "ms"}));
  PARLAB_ASSIGN_OR_RETURN(int64_t tasks, params.Int("tasks", 100));
  PARLAB_ASSIGN_OR_RETURN(int64_t ms, params.Int("ms", 10));
  PARLAB_RETURN_IF_ERROR(RequireInRange("tasks", tasks, 1, 100'000'000));
  PARLAB_RETURN_IF_ERROR(RequireInRange("ms", ms, 0, kMaxMs));
  // At concurrency 1 (the baseline) a repetition sleeps tasks x ms.
  PARLAB_RETURN_IF_ERROR(
      RequireProductAtMost("tasks", tasks, "ms", ms, kMaxMs, "an hour of sleep per repetition"));
  return std::make_unique<Sleep>(static_cast<uint64_t>(tasks), static_cast<uint64_t>(ms));
}

}  // namespace

WorkloadKind SleepKind() {
  return MakeKind(
      kKind, "1.0.0",
      "I/O-bound stand-in: each task waits ms milliseconds (a timer wait when stepped) and "
      "checks the time passed",
      "tasks (integer, default 100, >= 1): number of tasks; ms (integer, default 10, >= 0, <= "
      "3600000): wait per task",
      &Create);
}

}  // namespace parlab::workloads

// sleep: I/O-bound stand-in. Each task waits `ms` milliseconds and checks that at least that much
// time passed. Its Step() form hands the wait to the model (PARLAB_WAIT_TIMER), so a coroutine
// model suspends instead of blocking its thread.
#include <time.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "kinds.h"
#include "parlab/common/status_macros.h"
#include "parlab/workloads/params.h"

namespace parlab::workloads {
namespace {

constexpr char kKind[] = "sleep";
constexpr int64_t kMaxMs = 3'600'000;  // an hour per task is surely a typo
constexpr uint64_t kNsPerMs = 1'000'000;

uint64_t NowNs() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1'000'000'000u + static_cast<uint64_t>(ts.tv_nsec);
}

struct SleepState : TaskState {
  uint64_t start_ns = 0;
};

class Sleep : public Workload {
 public:
  Sleep(uint64_t tasks, uint64_t ms) : tasks_(tasks), wait_ns_(ms * kNsPerMs) {}

  uint64_t task_count() const override { return tasks_; }

  absl::Status RunTask(uint64_t index) override {
    PARLAB_RETURN_IF_ERROR(CheckIndex(index));
    const uint64_t start = NowNs();
    const uint64_t deadline = start + wait_ns_;
    const timespec until{static_cast<time_t>(deadline / 1'000'000'000u),
                         static_cast<long>(deadline % 1'000'000'000u)};
    // An absolute deadline makes a retry after a signal (EINTR) wait only the remaining time.
    int rc;
    while ((rc = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &until, nullptr)) == EINTR) {
    }
    if (rc != 0) {
      return absl::InternalError(
          absl::StrCat(kKind, " task ", index, ": clock_nanosleep: ", std::strerror(rc)));
    }
    return CheckElapsed(index, NowNs() - start);
  }

  absl::StatusOr<StepResult> Step(uint64_t index, std::unique_ptr<TaskState>& state,
                                  parlab_wait_t& wait) override {
    PARLAB_RETURN_IF_ERROR(CheckIndex(index));
    const uint64_t now = NowNs();
    if (state == nullptr) {
      // The first step always waits (even for 0 ms), so a stepping model sees the protocol.
      auto fresh = std::make_unique<SleepState>();
      fresh->start_ns = now;
      state = std::move(fresh);
      SetTimer(wait, wait_ns_);
      return StepResult::kWait;
    }
    auto* sleep_state = dynamic_cast<SleepState*>(state.get());
    if (sleep_state == nullptr) {
      return absl::InternalError(absl::StrCat(kKind, " task ", index, ": foreign task state"));
    }
    const uint64_t elapsed = now - sleep_state->start_ns;
    if (elapsed >= wait_ns_) return StepResult::kDone;
    SetTimer(wait, wait_ns_ - elapsed);  // the model woke early: wait for the rest
    return StepResult::kWait;
  }

 private:
  static void SetTimer(parlab_wait_t& wait, uint64_t ns) {
    wait.kind = PARLAB_WAIT_TIMER;
    wait.fd = -1;
    wait.timeout_ns = ns;
  }

  absl::Status CheckIndex(uint64_t index) const {
    if (index < tasks_) return absl::OkStatus();
    return absl::OutOfRangeError(
        absl::StrCat(kKind, " task ", index, ": out of range (", tasks_, " tasks)"));
  }

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
  PARLAB_RETURN_IF_ERROR(RequireAtLeast("tasks", tasks, 1));
  PARLAB_RETURN_IF_ERROR(RequireAtMost("tasks", tasks, 100'000'000));
  PARLAB_RETURN_IF_ERROR(RequireAtLeast("ms", ms, 0));
  PARLAB_RETURN_IF_ERROR(RequireAtMost("ms", ms, kMaxMs));
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

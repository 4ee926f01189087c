#include "timed_hold.h"

#include <time.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "absl/strings/str_cat.h"

namespace parlab::workloads {
namespace {

struct HoldState : TaskState {
  int64_t start_ns = 0;
};

void SetTimer(parlab_wait_t& wait, uint64_t ns) {
  wait.kind = PARLAB_WAIT_TIMER;
  wait.fd = -1;
  wait.timeout_ns = ns;
}

}  // namespace

absl::Status SleepUntil(absl::string_view kind, uint64_t index, int64_t deadline_ns) {
  const timespec until{static_cast<time_t>(deadline_ns / 1'000'000'000),
                       static_cast<long>(deadline_ns % 1'000'000'000)};
  int rc;
  while ((rc = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &until, nullptr)) == EINTR) {
  }
  if (rc == 0) return absl::OkStatus();
  return absl::InternalError(
      absl::StrCat(kind, " task ", index, ": clock_nanosleep: ", std::strerror(rc)));
}

absl::StatusOr<StepResult> StepHold(absl::string_view kind, uint64_t index, int64_t now_ns,
                                    uint64_t hold_ns, std::unique_ptr<TaskState>& state,
                                    parlab_wait_t& wait) {
  if (state == nullptr) {
    auto fresh = std::make_unique<HoldState>();
    fresh->start_ns = now_ns;
    state = std::move(fresh);
    SetTimer(wait, hold_ns);
    return StepResult::kWait;
  }
  const auto* hold = dynamic_cast<const HoldState*>(state.get());
  if (hold == nullptr) {
    return absl::InternalError(absl::StrCat(kind, " task ", index, ": foreign task state"));
  }
  const auto elapsed = static_cast<uint64_t>(now_ns - hold->start_ns);
  if (elapsed >= hold_ns) return StepResult::kDone;
  SetTimer(wait, hold_ns - elapsed);
  return StepResult::kWait;
}

}  // namespace parlab::workloads

// Internal: the timed hold of sleep and spawn tasks, in both task forms. Blocking: the thread
// sleeps to an absolute CLOCK_MONOTONIC deadline. Stepped: the hold is handed to the model as
// timer waits (PARLAB_WAIT_TIMER), so a coroutine model suspends instead of blocking a thread.
//
//   PARLAB_RETURN_IF_ERROR(SleepUntil(kKind, index, MonotonicNowNs() + hold_ns));
//   PARLAB_ASSIGN_OR_RETURN(StepResult step,
//                           StepHold(kKind, index, MonotonicNowNs(), hold_ns, state, wait));
#ifndef PARLAB_WORKLOADS_SRC_TIMED_HOLD_H_
#define PARLAB_WORKLOADS_SRC_TIMED_HOLD_H_

#include <cstdint>
#include <memory>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "parlab/model_abi.h"
#include "parlab/workloads/workload.h"

namespace parlab::workloads {

// Blocks the calling thread until CLOCK_MONOTONIC reaches `deadline_ns`. The deadline is
// absolute, so a wait that a signal interrupts (EINTR) resumes for the rest only. An error
// names "KIND task INDEX".
[[nodiscard]] absl::Status SleepUntil(absl::string_view kind, uint64_t index, int64_t deadline_ns);

// One step of a hold of `hold_ns`. The first step (`state` empty) starts the hold at `now_ns`
// and always waits, even for 0 ns, so that a stepping model sees the protocol; later steps wait
// out the rest (the model may wake early), and return kDone once `hold_ns` has passed.
[[nodiscard]] absl::StatusOr<StepResult> StepHold(absl::string_view kind, uint64_t index,
                                                  int64_t now_ns, uint64_t hold_ns,
                                                  std::unique_ptr<TaskState>& state,
                                                  parlab_wait_t& wait);

}  // namespace parlab::workloads

#endif  // PARLAB_WORKLOADS_SRC_TIMED_HOLD_H_

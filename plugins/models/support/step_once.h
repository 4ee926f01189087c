// StepOnce: one call of job->step_task and what the model must do next, shared by the models
// that step tasks (coroutines, coroutines_mt, fibers), so they all judge a step alike.
//
//   void* state = nullptr;
//   for (;;) {
//     parlab_wait_t wait{};
//     const StepNext next = StepOnce(job, index, &state, &wait, outcome);
//     if (next == StepNext::kWaitTimer) SleepFor(wait.timeout_ns);
//     else if (next == StepNext::kWaitFd) WaitUntilReady(wait);  // failed: FailFdWait(...)
//     else return;  // kEnd: done, or the failure is recorded in `outcome`
//   }
#ifndef PARLAB_PLUGINS_MODELS_SUPPORT_STEP_ONCE_H_
#define PARLAB_PLUGINS_MODELS_SUPPORT_STEP_ONCE_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "model_support.h"
#include "parlab/model_abi.h"

namespace parlab::models {

enum class StepNext {
  kEnd,        // the task is done, or it failed and `outcome` holds why: step it no more
  kWaitTimer,  // wait wait.timeout_ns, then step again
  kWaitFd,     // wait until wait.fd is ready as wait.kind says (or the timeout), step again
};

// Steps task `index` once. A task that fails is recorded as "task 17: <message>" (cancelled
// if the job is); one that asks for an unknown wait fails the job, since its state cannot be
// freed from here. [thread-safe for different tasks]
inline StepNext StepOnce(const parlab_job_t* job, uint64_t index, void** state, parlab_wait_t* wait,
                         Outcome& outcome) {
  parlab_error_t task_error{};
  const int32_t step = job->step_task(job, index, state, wait, &task_error);
  if (step == PARLAB_STEP_DONE) return StepNext::kEnd;
  if (step != PARLAB_STEP_WAIT) {
    const bool cancelled = job->is_cancelled != nullptr && job->is_cancelled(job) != 0;
    outcome.Record(index, cancelled ? PARLAB_CANCELLED : PARLAB_ERROR, task_error);
    return StepNext::kEnd;
  }
  if (wait->kind == PARLAB_WAIT_TIMER) return StepNext::kWaitTimer;
  if (wait->kind == PARLAB_WAIT_READABLE || wait->kind == PARLAB_WAIT_WRITABLE) {
    return StepNext::kWaitFd;
  }
  outcome.Fail(PARLAB_ERROR, "task " + std::to_string(index) + ": unknown wait kind " +
                                 std::to_string(wait->kind));
  return StepNext::kEnd;
}

// Records that the model could not wait on the task's fd: "task 17: cannot wait on fd 9: ...".
inline void FailFdWait(Outcome& outcome, uint64_t index, const parlab_wait_t& wait,
                       std::string_view why) {
  outcome.Fail(PARLAB_ERROR, "task " + std::to_string(index) + ": cannot wait on fd " +
                                 std::to_string(wait.fd) + ": " + std::string(why));
}

}  // namespace parlab::models

#endif  // PARLAB_PLUGINS_MODELS_SUPPORT_STEP_ONCE_H_

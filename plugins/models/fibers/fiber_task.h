// StepTaskOnFiber: steps one task (job->step_task) to its end on the calling fiber. Waits
// suspend the fiber, never the thread for long: a timer is boost::this_fiber::sleep_for, an
// fd wait polls the fd without blocking and sleeps the fiber between polls.
//
//   boost::fibers::fiber([&] { StepTaskOnFiber(job, 17, outcome); }).detach();
#ifndef PARLAB_PLUGINS_MODELS_FIBERS_FIBER_TASK_H_
#define PARLAB_PLUGINS_MODELS_FIBERS_FIBER_TASK_H_

#include <cstdint>

#include "model_support.h"
#include "parlab/model_abi.h"

namespace parlab::models {

// Steps task `index` until it is done or failed; failures go to `outcome` as
// "task 17: ...". Must run on a fiber of a thread with a fiber scheduler. Does not throw.
void StepTaskOnFiber(const parlab_job_t* job, uint64_t index, Outcome& outcome) noexcept;

}  // namespace parlab::models

#endif  // PARLAB_PLUGINS_MODELS_FIBERS_FIBER_TASK_H_

// Helpers shared by the model plugins: error text, first-failure bookkeeping, and the
// exception boundary of run(). Header-only; compiled into each plugin with hidden visibility,
// so nothing here is exported.
//
//   int32_t Run(const parlab_job_t* job, parlab_error_t* error) {
//     return parlab::models::GuardRun(job, error, [&] {
//       parlab::models::Outcome outcome;
//       for (uint64_t i = 0; i < job->task_count && !outcome.ShouldStop(job); ++i) {
//         parlab_error_t task_error{};
//         outcome.Record(i, job->run_task(job, i, &task_error), task_error);
//       }
//       return outcome.Finish(error);
//     });
//   }
#ifndef PARLAB_PLUGINS_MODELS_SUPPORT_MODEL_SUPPORT_H_
#define PARLAB_PLUGINS_MODELS_SUPPORT_MODEL_SUPPORT_H_

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstring>
#include <exception>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "parlab/model_abi.h"

namespace parlab::models {

// Copies `text` into `error`, truncated to fit and always NUL-terminated.
inline void SetError(parlab_error_t* error, std::string_view text) {
  if (error == nullptr) return;
  const size_t n = std::min(text.size(), sizeof(error->message) - 1);
  std::memcpy(error->message, text.data(), n);
  error->message[n] = '\0';
}

// The text of a task's error; safe even when the workload forgot the terminating NUL.
inline std::string_view MessageOf(const parlab_error_t& error) {
  return {error.message, strnlen(error.message, sizeof(error.message))};
}

// The result of one run() shared by all of its execution units. The first failure wins: it
// is the one reported, and once anything failed (or the job was cancelled) no new task starts.
class Outcome {
 public:
  // [thread-safe] Records task `index`'s status; a failure becomes "task 17: <message>".
  void Record(uint64_t index, int32_t status, const parlab_error_t& task_error) {
    if (status == PARLAB_OK) return;
    Fail(status == PARLAB_CANCELLED ? PARLAB_CANCELLED : PARLAB_ERROR,
         "task " + std::to_string(index) + ": " + std::string(MessageOf(task_error)));
  }

  // [thread-safe] Records a failure of the model itself (a fork, a thread, a child's death).
  void Fail(int32_t status, std::string message) {
    std::lock_guard<std::mutex> lock(mu_);
    if (status_ == PARLAB_OK) {
      status_ = status;
      message_ = std::move(message);
    }
    stopped_.store(true);
  }

  // [thread-safe] True once a task failed or the job was cancelled: start nothing new.
  bool ShouldStop(const parlab_job_t* job) {
    if (stopped_.load()) return true;
    if (job->is_cancelled != nullptr && job->is_cancelled(job) != 0) {
      Fail(PARLAB_CANCELLED, "cancelled");
      return true;
    }
    return false;
  }

  bool failed() const { return stopped_.load(); }

  // Writes the first failure into `error` (if any) and returns run()'s status.
  int32_t Finish(parlab_error_t* error) {
    std::lock_guard<std::mutex> lock(mu_);
    if (status_ != PARLAB_OK) SetError(error, message_);
    return status_;
  }

 private:
  std::mutex mu_;
  std::atomic<bool> stopped_{false};
  int32_t status_ = PARLAB_OK;
  std::string message_;
};

// Pins the calling thread (in a forked child: the child) to the PU the plan's affinity gives
// execution unit `unit` (below concurrency); a no-op under affinity "none". Call it first thing
// in each unit: a worker thread, a forked child, an OS thread of an event loop.
inline void BindUnit(const parlab_job_t* job, uint32_t unit) {
  if (job->bind_unit != nullptr) job->bind_unit(job, unit);
}

// Unit numbers for models that start a fresh unit per task (threads, processes): a new unit
// takes the lowest number no live unit holds, so live units stay below `concurrency` and, under
// an affinity, never share a PU while one is free. Not thread-safe: callers hold their lock.
class UnitNumbers {
 public:
  uint32_t Take() {
    for (uint32_t u = 0; u < used_.size(); ++u) {
      if (!used_[u]) {
        used_[u] = true;
        return u;
      }
    }
    used_.push_back(true);
    return static_cast<uint32_t>(used_.size() - 1);
  }
  void Give(uint32_t unit) {
    if (unit < used_.size()) used_[unit] = false;
  }

 private:
  std::vector<bool> used_;
};

// Runs `body` (returning run()'s status) so that no C++ exception crosses the C ABI. Also
// refuses a job that breaks the ABI's promises, which would otherwise hang or skip tasks.
template <typename Body>
int32_t GuardRun(const parlab_job_t* job, parlab_error_t* error, Body&& body) noexcept {
  if (job->concurrency < 1) {
    SetError(error, "job.concurrency: must be >= 1, got 0");
    return PARLAB_ERROR;
  }
  try {
    return body();
  } catch (const std::exception& e) {
    SetError(error, std::string("model failed: ") + e.what());
  } catch (...) {
    SetError(error, "model failed: unknown exception");
  }
  return PARLAB_ERROR;
}

}  // namespace parlab::models

#endif  // PARLAB_PLUGINS_MODELS_SUPPORT_MODEL_SUPPORT_H_

#include "parlab/runner/host_job.h"

#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <exception>
#include <memory>

#include "absl/strings/str_cat.h"
#include "parlab/runner/cancel.h"

namespace parlab::runner {
namespace {

static_assert(std::atomic<uint64_t>::is_always_lock_free,
              "the completion counter is shared across fork(); it must not need a lock");

// Exceptions must not cross the C ABI: every callback funnels through this.
template <typename F>
int32_t Guarded(uint64_t index, parlab_error_t* error, int32_t failure, F&& body) {
  try {
    return body();
  } catch (const std::exception& e) {
    CopyError(absl::StrCat("task ", index, ": unexpected exception: ", e.what()), error);
  } catch (...) {
    CopyError(absl::StrCat("task ", index, ": unexpected exception"), error);
  }
  return failure;
}

}  // namespace

void CopyError(absl::string_view message, parlab_error_t* error) {
  if (error == nullptr) return;
  size_t size = std::min(message.size(), sizeof(error->message) - 1);
  // Never cut a multi-byte UTF-8 character in half: back up over continuation bytes.
  if (size < message.size()) {
    while (size > 0 && (static_cast<unsigned char>(message[size]) & 0xC0) == 0x80) --size;
  }
  std::memcpy(error->message, message.data(), size);
  error->message[size] = '\0';
}

absl::StatusOr<std::unique_ptr<HostJob>> HostJob::Create(workloads::Workload& workload,
                                                         uint32_t concurrency,
                                                         std::string model_name) {
  absl::StatusOr<SharedMapping> page = SharedMapping::Create(sizeof(std::atomic<uint64_t>));
  if (!page.ok()) return page.status();
  return std::unique_ptr<HostJob>(
      new HostJob(workload, concurrency, std::move(model_name), *std::move(page)));
}

HostJob::HostJob(workloads::Workload& workload, uint32_t concurrency, std::string model_name,
                 SharedMapping counter_page)
    : workload_(workload),
      model_name_(std::move(model_name)),
      counter_page_(std::move(counter_page)),
      completed_(counter_page_.Construct<std::atomic<uint64_t>>(0)) {
  job_.task_count = workload.task_count();
  job_.concurrency = concurrency;
  job_.host = this;
  job_.run_task = &HostJob::RunTask;
  job_.step_task = &HostJob::StepTask;
  job_.is_cancelled = &HostJob::IsCancelledCallback;
  job_.log = &HostJob::Log;
  job_.bind_unit = &HostJob::BindUnit;
}

uint64_t HostJob::completed() const { return completed_->load(); }
void HostJob::ResetCompleted() { completed_->store(0); }

HostJob& HostJob::From(const parlab_job_t* job) { return *static_cast<HostJob*>(job->host); }

int32_t HostJob::RunTask(const parlab_job_t* job, uint64_t index, parlab_error_t* error) {
  return Guarded(index, error, PARLAB_ERROR, [&]() -> int32_t {
    // A task not yet started when the job is cancelled is not started at all.
    if (IsCancelled()) {
      CopyError("cancelled", error);
      return PARLAB_CANCELLED;
    }
    HostJob& host = From(job);
    absl::Status status = host.workload_.RunTask(index);
    if (!status.ok()) {
      CopyError(status.message(), error);
      return PARLAB_ERROR;
    }
    host.completed_->fetch_add(1);
    return PARLAB_OK;
  });
}

int32_t HostJob::StepTask(const parlab_job_t* job, uint64_t index, void** state,
                          parlab_wait_t* wait, parlab_error_t* error) {
  // Take ownership back: whatever happens below, the state is freed unless the task waits.
  std::unique_ptr<workloads::TaskState> owned(static_cast<workloads::TaskState*>(*state));
  *state = nullptr;
  return Guarded(index, error, PARLAB_STEP_ERROR, [&]() -> int32_t {
    if (IsCancelled()) {
      CopyError("cancelled", error);
      return PARLAB_STEP_ERROR;
    }
    HostJob& host = From(job);
    absl::StatusOr<workloads::StepResult> result = host.workload_.Step(index, owned, *wait);
    if (!result.ok()) {
      CopyError(result.status().message(), error);
      return PARLAB_STEP_ERROR;
    }
    if (*result == workloads::StepResult::kWait) {
      *state = owned.release();
      return PARLAB_STEP_WAIT;
    }
    host.completed_->fetch_add(1);
    return PARLAB_STEP_DONE;
  });
}

int32_t HostJob::IsCancelledCallback(const parlab_job_t*) { return IsCancelled() ? 1 : 0; }

void HostJob::Log(const parlab_job_t* job, const char* message) {
  if (message == nullptr) return;
  // One write() per line, so lines from concurrent threads and processes do not interleave.
  const std::string line = absl::StrCat("[", From(job).model_name_, "] ", message, "\n");
  ssize_t ignored = write(STDERR_FILENO, line.data(), line.size());
  (void)ignored;
}

void HostJob::BindUnit(const parlab_job_t* job, uint32_t unit) {
  if (const Placement* placement = From(job).placement_; placement != nullptr) {
    placement->BindUnit(unit);
  }
}

}  // namespace parlab::runner

#include "parlab/store/store_recorder.h"

#include <unistd.h>

#include "absl/base/const_init.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"

namespace parlab::store {

void StoreRecorder::Keep(absl::Status status) {
  if (status_.ok() && !status.ok()) status_ = std::move(status);
}

void StoreRecorder::OnEvent(const v1::RunEvent& event) {
  if (store_ == nullptr || finished_) return;
  if (!begun_) {
    begun_ = true;
    absl::Status begun = store_->BeginRun(run_id_, plan_);
    owns_run_ = begun.ok();
    Keep(std::move(begun));
  }
  switch (event.event_case()) {
    case v1::RunEvent::kWorker:
      if (status_.ok()) Keep(store_->AddWorker(run_id_, event.worker()));
      break;
    case v1::RunEvent::kJobResult:
      if (status_.ok()) Keep(store_->AddResult(run_id_, event.job_result()));
      break;
    case v1::RunEvent::kPartialResult:  // replaced by the job's final result, same job_id
      if (status_.ok()) Keep(store_->AddResult(run_id_, event.partial_result()));
      break;
    case v1::RunEvent::kFinished:
      finished_ = true;
      if (status_.ok()) {
        Keep(store_->FinishRun(run_id_, final_state_ ? final_state_() : "finished"));
      } else if (owns_run_) {
        // Whatever reached the store stays readable, marked as partial.
        (void)store_->FinishRun(run_id_, "incomplete");
      }
      break;
    default:
      break;
  }
}

std::string NewRunId() {
  static absl::Mutex mutex(absl::kConstInit);
  static std::string* last = new std::string();
  static int repeats = 0;
  std::string id = absl::StrCat(
      "run-", absl::FormatTime("%Y%m%dT%H%M%S", absl::Now(), absl::UTCTimeZone()), "-", getpid());
  absl::MutexLock lock(&mutex);
  if (id == *last) return absl::StrCat(id, "-", ++repeats);
  *last = id;
  repeats = 1;
  return id;
}

}  // namespace parlab::store

#include "parlab/runner/job_check.h"

#include "absl/strings/str_cat.h"

namespace parlab::runner {

absl::Status CheckJobFitsModel(const v1::Job& job, absl::string_view model_name,
                               uint32_t max_concurrency) {
  if (job.concurrency() < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("job.concurrency: must be >= 1, got ", job.concurrency()));
  }
  if (max_concurrency != 0 && static_cast<uint32_t>(job.concurrency()) > max_concurrency) {
    return absl::InvalidArgumentError(absl::StrCat("job.concurrency: model ", model_name,
                                                   " runs at most ", max_concurrency, ", got ",
                                                   job.concurrency()));
  }
  if (job.repetitions() < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("job.repetitions: must be >= 1, got ", job.repetitions()));
  }
  if (job.warmup() < 0) {
    return absl::InvalidArgumentError(absl::StrCat("job.warmup: must be >= 0, got ", job.warmup()));
  }
  return absl::OkStatus();
}

}  // namespace parlab::runner

#include "parlab/common/run_limits.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "parlab/common/status_macros.h"

namespace parlab::limits {

int32_t DefaultMaxConcurrency(int64_t pus) {
  const int64_t limit = std::max<int64_t>(kMinWorkerConcurrency, kConcurrencyPerPu * pus);
  return static_cast<int32_t>(std::min<int64_t>(limit, kMaxConcurrency));
}

int32_t DefaultMaxJobProcesses(int64_t pus) {
  const int64_t limit = std::max<int64_t>(kMinJobProcesses, kJobProcessesPerPu * pus);
  return static_cast<int32_t>(std::min<int64_t>(limit, kMaxConcurrency));
}

int32_t WorkerMaxConcurrency(const v1::WorkerDescription& worker) {
  if (worker.max_concurrency() > 0) return std::min(worker.max_concurrency(), kMaxConcurrency);
  return DefaultMaxConcurrency(std::max(worker.machine().pus(), worker.machine().logical_cores()));
}

int32_t WorkerLevelLimit(const v1::WorkerDescription& worker) {
  int32_t limit = WorkerMaxConcurrency(worker);
  if (worker.job_process_limit() == kProcessLimitCheck && worker.max_job_processes() > 0) {
    limit = std::min(limit, worker.max_job_processes());
  }
  return limit;
}

absl::Status CheckBytes(absl::string_view field, absl::string_view value, size_t max) {
  if (value.size() <= max) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(field, ": must be at most ", max, " bytes, got ",
                                                 value.size(), " bytes (\"", Truncated(value),
                                                 "\")"));
}

absl::Status CheckAtMost(absl::string_view field, int64_t value, int64_t max) {
  if (value <= max) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(field, ": must be <= ", max, ", got ", value));
}

absl::Status CheckJobLimits(const v1::Job& job, int32_t max_concurrency) {
  PARLAB_RETURN_IF_ERROR(CheckBytes("job.job_id", job.job_id(), kMaxJobIdBytes));
  PARLAB_RETURN_IF_ERROR(CheckBytes("job.plan_name", job.plan_name(), kMaxNameBytes));
  PARLAB_RETURN_IF_ERROR(CheckBytes("job.model", job.model(), kMaxNameBytes));
  PARLAB_RETURN_IF_ERROR(CheckBytes("job.affinity", job.affinity(), kMaxNameBytes));
  PARLAB_RETURN_IF_ERROR(CheckBytes("job.sweep_value", job.sweep_value(), kMaxParamValueBytes));
  const v1::WorkloadSpec& workload = job.workload();
  PARLAB_RETURN_IF_ERROR(CheckBytes("job.workload.kind", workload.kind(), kMaxNameBytes));
  if (workload.params_size() > kMaxParams) {
    return absl::InvalidArgumentError(absl::StrCat("job.workload.params: must list at most ",
                                                   kMaxParams, " entries, got ",
                                                   workload.params_size()));
  }
  for (const auto& [key, value] : workload.params()) {
    PARLAB_RETURN_IF_ERROR(CheckBytes("job.workload.params (a key)", key, kMaxNameBytes));
    PARLAB_RETURN_IF_ERROR(CheckBytes(absl::StrCat("job.workload.params.", Truncated(key)), value,
                                      kMaxParamValueBytes));
  }
  if (job.concurrency() > max_concurrency) {
    return absl::InvalidArgumentError(
        absl::StrCat("job.concurrency: must be <= ", max_concurrency,
                     " (this worker's maximum concurrency, parlab-worker --max-concurrency), got ",
                     job.concurrency()));
  }
  PARLAB_RETURN_IF_ERROR(CheckAtMost("job.repetitions", job.repetitions(), kMaxRepetitions));
  PARLAB_RETURN_IF_ERROR(CheckAtMost("job.warmup", job.warmup(), kMaxWarmup));
  if (job.job_timeout_s() > kMaxTimeBudgetS) {
    return absl::InvalidArgumentError(absl::StrCat(
        "job.job_timeout_s: must be <= ", kMaxTimeBudgetS, " (a week), got ", job.job_timeout_s()));
  }
  return absl::OkStatus();
}

std::string Truncated(absl::string_view text, size_t max_bytes) {
  if (text.size() <= max_bytes) return std::string(text);
  size_t end = max_bytes;
  // Back up to the first byte of a UTF-8 character (continuation bytes are 10xxxxxx).
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
  return absl::StrCat(text.substr(0, end), "... (", text.size(), " bytes)");
}

}  // namespace parlab::limits

#include "parlab/coordinator/plan_limits.h"

#include <algorithm>
#include <cstdlib>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "parlab/common/status_macros.h"

namespace parlab::coordinator {
namespace {

absl::Status Invalid(absl::string_view field, absl::string_view message) {
  return absl::InvalidArgumentError(absl::StrCat(field, ": ", message));
}

using limits::CheckAtMost;
using limits::CheckBytes;

absl::Status CheckCount(absl::string_view field, int count, int max) {
  if (count <= max) return absl::OkStatus();
  return Invalid(field, absl::StrCat("must list at most ", max, " entries, got ", count));
}

absl::Status CheckStrings(const v1::Plan& plan) {
  PARLAB_RETURN_IF_ERROR(CheckBytes("plan.name", plan.name(), kMaxNameBytes));
  PARLAB_RETURN_IF_ERROR(CheckBytes("plan.description", plan.description(), kMaxDescriptionBytes));
  PARLAB_RETURN_IF_ERROR(CheckBytes("plan.affinity", plan.affinity(), kMaxNameBytes));
  PARLAB_RETURN_IF_ERROR(CheckCount("plan.models", plan.models_size(), kMaxModels));
  for (int i = 0; i < plan.models_size(); ++i) {
    PARLAB_RETURN_IF_ERROR(
        CheckBytes(absl::StrCat("plan.models[", i, "]"), plan.models(i), kMaxNameBytes));
  }
  const v1::WorkloadSpec& workload = plan.workload();
  PARLAB_RETURN_IF_ERROR(CheckBytes("plan.workload.kind", workload.kind(), kMaxNameBytes));
  PARLAB_RETURN_IF_ERROR(CheckCount("plan.workload.params", workload.params_size(), kMaxParams));
  for (const auto& [key, value] : workload.params()) {
    PARLAB_RETURN_IF_ERROR(CheckBytes("plan.workload.params (a key)", key, kMaxNameBytes));
    PARLAB_RETURN_IF_ERROR(
        CheckBytes(absl::StrCat("plan.workload.params.", key), value, kMaxParamValueBytes));
  }
  PARLAB_RETURN_IF_ERROR(CheckBytes("plan.sweep.param", plan.sweep().param(), kMaxNameBytes));
  PARLAB_RETURN_IF_ERROR(
      CheckCount("plan.sweep.values", plan.sweep().values_size(), kMaxSweepValues));
  for (int i = 0; i < plan.sweep().values_size(); ++i) {
    PARLAB_RETURN_IF_ERROR(CheckBytes(absl::StrCat("plan.sweep.values[", i, "]"),
                                      plan.sweep().values(i), kMaxParamValueBytes));
  }
  PARLAB_RETURN_IF_ERROR(CheckCount("plan.select", plan.select_size(), kMaxSelectLabels));
  for (const auto& [key, value] : plan.select()) {
    PARLAB_RETURN_IF_ERROR(CheckBytes("plan.select (a key)", key, kMaxNameBytes));
    PARLAB_RETURN_IF_ERROR(CheckBytes(absl::StrCat("plan.select.", key), value, kMaxNameBytes));
  }
  return absl::OkStatus();
}

absl::Status CheckRunSizes(const v1::Plan& plan) {
  PARLAB_RETURN_IF_ERROR(
      CheckCount("plan.concurrency", plan.concurrency_size(), kMaxConcurrencyLevels));
  for (int i = 0; i < plan.concurrency_size(); ++i) {
    PARLAB_RETURN_IF_ERROR(CheckAtMost(absl::StrCat("plan.concurrency[", i, "]"),
                                       plan.concurrency(i), kMaxConcurrency));
  }
  PARLAB_RETURN_IF_ERROR(CheckAtMost("plan.repetitions", plan.repetitions(), kMaxRepetitions));
  PARLAB_RETURN_IF_ERROR(
      CheckAtMost("plan.max_repetitions", plan.max_repetitions(), kMaxRepetitions));
  PARLAB_RETURN_IF_ERROR(CheckAtMost("plan.warmup", plan.warmup(), kMaxWarmup));
  // NaN and negatives are ValidatePlan's to word; this only bounds the finite ones.
  if (plan.job_timeout_s() > kMaxTimeBudgetS) {
    return Invalid("plan.job_timeout_s", absl::StrCat("must be <= ", kMaxTimeBudgetS,
                                                      " (a week), got ", plan.job_timeout_s()));
  }
  if (plan.time_budget_s() > kMaxTimeBudgetS) {
    return Invalid("plan.time_budget_s", absl::StrCat("must be <= ", kMaxTimeBudgetS,
                                                      " (a week), got ", plan.time_budget_s()));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<PlanLimits> PlanLimitsFromEnv() {
  PlanLimits limits;
  const char* text = std::getenv(kMaxPlanBytesEnv);
  if (text == nullptr || *text == '\0') return limits;
  int64_t bytes = 0;
  if (!absl::SimpleAtoi(text, &bytes) || bytes < kMinMaxPlanBytes || bytes > kMaxMaxPlanBytes) {
    return absl::InvalidArgumentError(absl::StrCat(kMaxPlanBytesEnv, ": must be an integer in [",
                                                   kMinMaxPlanBytes, ", ", kMaxMaxPlanBytes,
                                                   "], got \"", Truncated(text), "\""));
  }
  limits.max_plan_bytes = bytes;
  return limits;
}

absl::Status CheckPlanSize(int64_t size, const PlanLimits& limits) {
  if (size <= limits.max_plan_bytes) return absl::OkStatus();
  return Invalid("plan", absl::StrCat("must be at most ", limits.max_plan_bytes, " bytes (",
                                      kMaxPlanBytesEnv, " raises it), got ", size, " bytes"));
}

absl::Status CheckPlanLimits(const v1::Plan& plan, const PlanLimits& limits) {
  PARLAB_RETURN_IF_ERROR(CheckPlanSize(static_cast<int64_t>(plan.ByteSizeLong()), limits));
  PARLAB_RETURN_IF_ERROR(CheckStrings(plan));
  return CheckRunSizes(plan);
}

int32_t WorkerConcurrencyLimit(const v1::WorkerDescription& worker) {
  return limits::WorkerMaxConcurrency(worker);
}

absl::Status CheckConcurrencyFitsWorker(const v1::Plan& plan, const v1::WorkerDescription& worker) {
  const int32_t limit = limits::WorkerLevelLimit(worker);
  for (int i = 0; i < plan.concurrency_size(); ++i) {
    if (plan.concurrency(i) <= limit) continue;
    const int32_t pus = std::max(worker.machine().pus(), worker.machine().logical_cores());
    std::string why = worker.max_concurrency() > 0
                          ? std::string("its parlab-worker --max-concurrency")
                          : absl::StrCat(pus, " PUs: at most max(", kMinWorkerConcurrency, ", ",
                                         kConcurrencyPerPu, " per PU)");
    if (limit < WorkerConcurrencyLimit(worker)) {
      why =
          "its --max-job-processes: it has no cgroup to count a job's processes and threads, "
          "so a level may not exceed it";
    }
    return Invalid(absl::StrCat("plan.concurrency[", i, "]"),
                   absl::StrCat("must be <= ", limit, " on worker ", worker.address(), " (", why,
                                "), got ", plan.concurrency(i)));
  }
  return absl::OkStatus();
}

}  // namespace parlab::coordinator

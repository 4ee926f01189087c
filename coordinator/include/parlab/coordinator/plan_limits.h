// The limits every plan must fit in, wherever it comes from (a file, a SubmitRun request):
// nothing a plan asks for may take a worker down or run for ever. docs/plans-limits.md lists
// them with the reasons.
//
//   PARLAB_ASSIGN_OR_RETURN(PlanLimits limits, PlanLimitsFromEnv());  // PARLAB_MAX_PLAN_BYTES
//   PARLAB_RETURN_IF_ERROR(CheckPlanLimits(plan, limits));
//   PARLAB_RETURN_IF_ERROR(CheckConcurrencyFitsWorker(plan, worker_description));
//
// Every error names the field, the value (shortened) and the limit:
// `plan.repetitions: must be <= 10000, got 1000000000`.
#ifndef PARLAB_COORDINATOR_PLAN_LIMITS_H_
#define PARLAB_COORDINATOR_PLAN_LIMITS_H_

#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "parlab/common/run_limits.h"
#include "parlab/v1/parlab.pb.h"

namespace parlab::coordinator {

// The size of a plan file, or of a Plan message, checked before anything parses it.
inline constexpr int64_t kDefaultMaxPlanBytes = int64_t{1} << 20;  // 1 MiB
inline constexpr int64_t kMinMaxPlanBytes = 1024;
inline constexpr int64_t kMaxMaxPlanBytes = int64_t{64} << 20;  // what PARLAB_MAX_PLAN_BYTES allows
inline constexpr char kMaxPlanBytesEnv[] = "PARLAB_MAX_PLAN_BYTES";

// JSON nesting: a plan needs 3 levels (plan.workload.params); deeper is an attack or a bug.
inline constexpr int kMaxJsonDepth = 16;

// String fields, in bytes. The limits a single job has too live in parlab/common/run_limits.h,
// which the worker applies to every RunJob; they are named here as well.
inline constexpr size_t kMaxNameBytes = limits::kMaxNameBytes;  // name, models, kinds, keys
inline constexpr size_t kMaxDescriptionBytes = 16 * 1024;       // plan.description
inline constexpr size_t kMaxParamValueBytes = limits::kMaxParamValueBytes;  // a URL

// Counts and sizes of the run fields.
inline constexpr int kMaxModels = 64;
inline constexpr int kMaxConcurrencyLevels = 64;
inline constexpr int kMaxParams = limits::kMaxParams;
inline constexpr int kMaxSweepValues = 1000;
inline constexpr int kMaxSelectLabels = 64;
inline constexpr int32_t kMaxConcurrency = limits::kMaxConcurrency;  // any worker, any model
inline constexpr int32_t kMaxRepetitions = limits::kMaxRepetitions;  // and max_repetitions
inline constexpr int32_t kMaxWarmup = limits::kMaxWarmup;
inline constexpr double kMaxTimeBudgetS = limits::kMaxTimeBudgetS;  // a week

// Per worker: a level may ask for at most what the worker publishes
// (WorkerDescription.max_concurrency, parlab-worker --max-concurrency), by default
// max(kMinWorkerConcurrency, kConcurrencyPerPu x PUs) units (parlab/common/run_limits.h).
inline constexpr int32_t kMinWorkerConcurrency = limits::kMinWorkerConcurrency;
inline constexpr int32_t kConcurrencyPerPu = limits::kConcurrencyPerPu;

struct PlanLimits {
  int64_t max_plan_bytes = kDefaultMaxPlanBytes;
};

// The defaults, with max_plan_bytes from $PARLAB_MAX_PLAN_BYTES when set. InvalidArgument
// names the variable, the value and the range when it is not an integer in
// [kMinMaxPlanBytes, kMaxMaxPlanBytes].
[[nodiscard]] absl::StatusOr<PlanLimits> PlanLimitsFromEnv();

// OK when a plan of `size` bytes fits, else `plan: must be at most 1048576 bytes
// (PARLAB_MAX_PLAN_BYTES raises it), got 209715200 bytes`.
[[nodiscard]] absl::Status CheckPlanSize(int64_t size, const PlanLimits& limits);

// Every cap above that a Plan message can break: its encoded size, string lengths, counts,
// concurrency, repetitions, warm-ups and the time budget. ValidatePlan calls it.
[[nodiscard]] absl::Status CheckPlanLimits(const v1::Plan& plan, const PlanLimits& limits);

// The worker's published maximum (WorkerDescription.max_concurrency), or for a worker older than
// that field max(kMinWorkerConcurrency, kConcurrencyPerPu x its PUs); at most kMaxConcurrency.
int32_t WorkerConcurrencyLimit(const v1::WorkerDescription& worker);

// Every level of the plan against WorkerConcurrencyLimit(worker), before any job runs:
// `plan.concurrency[0]: must be <= 10000 on worker 10.0.0.5:4511 (its --max-concurrency), got
// 50000`.
[[nodiscard]] absl::Status CheckConcurrencyFitsWorker(const v1::Plan& plan,
                                                      const v1::WorkerDescription& worker);

// At most `max_bytes` of `text` followed by "... (N bytes)", never splitting a UTF-8
// character: how an error quotes a value that may be huge.
using limits::Truncated;

}  // namespace parlab::coordinator

#endif  // PARLAB_COORDINATOR_PLAN_LIMITS_H_

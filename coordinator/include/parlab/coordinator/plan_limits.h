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
#include "parlab/v1/parlab.pb.h"

namespace parlab::coordinator {

// The size of a plan file, or of a Plan message, checked before anything parses it.
inline constexpr int64_t kDefaultMaxPlanBytes = int64_t{1} << 20;  // 1 MiB
inline constexpr int64_t kMinMaxPlanBytes = 1024;
inline constexpr int64_t kMaxMaxPlanBytes = int64_t{64} << 20;  // what PARLAB_MAX_PLAN_BYTES allows
inline constexpr char kMaxPlanBytesEnv[] = "PARLAB_MAX_PLAN_BYTES";

// JSON nesting: a plan needs 3 levels (plan.workload.params); deeper is an attack or a bug.
inline constexpr int kMaxJsonDepth = 16;

// String fields, in bytes.
inline constexpr size_t kMaxNameBytes = 256;               // name, models, kinds, keys, labels
inline constexpr size_t kMaxDescriptionBytes = 16 * 1024;  // plan.description
inline constexpr size_t kMaxParamValueBytes = 4096;        // a workload parameter (a URL)

// Counts and sizes of the run fields.
inline constexpr int kMaxModels = 64;
inline constexpr int kMaxConcurrencyLevels = 64;
inline constexpr int kMaxParams = 64;
inline constexpr int kMaxSweepValues = 1000;
inline constexpr int kMaxSelectLabels = 64;
inline constexpr int32_t kMaxConcurrency = 100'000;  // any worker, any model
inline constexpr int32_t kMaxRepetitions = 10'000;   // repetitions and max_repetitions
inline constexpr int32_t kMaxWarmup = 1'000;
inline constexpr double kMaxTimeBudgetS = 7 * 24 * 3600.0;  // a week

// Per worker: a level may ask for at most max(kMinWorkerConcurrency, kConcurrencyPerPu x PUs)
// units. The floor lets coroutines keep 5,000 sleeping tasks in flight on a small machine
// (examples/plans/sleep-5000-coroutines.json); the multiple lets big machines go further.
inline constexpr int32_t kMinWorkerConcurrency = 10'000;
inline constexpr int32_t kConcurrencyPerPu = 64;

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

// max(kMinWorkerConcurrency, kConcurrencyPerPu x the worker's PUs), at most kMaxConcurrency.
int32_t WorkerConcurrencyLimit(const v1::WorkerDescription& worker);

// Every level of the plan against WorkerConcurrencyLimit(worker), before any job runs:
// `plan.concurrency[0]: must be <= 10000 on worker 10.0.0.5:4511 (2 PUs), got 50000`.
[[nodiscard]] absl::Status CheckConcurrencyFitsWorker(const v1::Plan& plan,
                                                      const v1::WorkerDescription& worker);

// At most `max_bytes` of `text` followed by "... (N bytes)", never splitting a UTF-8
// character: how an error quotes a value that may be huge.
std::string Truncated(absl::string_view text, size_t max_bytes = 60);

}  // namespace parlab::coordinator

#endif  // PARLAB_COORDINATOR_PLAN_LIMITS_H_

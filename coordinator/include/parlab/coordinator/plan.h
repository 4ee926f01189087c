// Benchmark plans: the JSON file a user writes, turned into a validated v1::Plan.
//
//   {"name": "cpu-sieve", "workload": {"kind": "primes.sieve", "params": {"from": 1000}},
//    "models": ["sequential", "thread_pool"], "concurrency": [1, 2], "repetitions": 5,
//    "warmup": 1}
//
//   PARLAB_ASSIGN_OR_RETURN(v1::Plan plan, coordinator::LoadPlanFile("plans/sieve.json"));
//
// Optional run fields (see Plan in parlab.proto):
//   "affinity": "none" | "compact" | "scatter"
//   "target_cv": 0.02, "max_repetitions": 30, "time_budget_s": 600   (automatic repetitions)
//   "sweep": {"param": "to", "values": [16000, 8000, 4000]}          (METG granularity sweep)
//   "mode": "broadcast" | "shard",  "select": {"rack": "a"}
//
// Every error names the field and the offending value: `plan.concurrency[2]: must be >= 1,
// got 0`. Defaults: repetitions 5, warmup 1, concurrency [1]; models is required;
// max_repetitions max(30, repetitions) when target_cv is given.
#ifndef PARLAB_COORDINATOR_PLAN_H_
#define PARLAB_COORDINATOR_PLAN_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "parlab/coordinator/plan_limits.h"
#include "parlab/v1/parlab.pb.h"

namespace parlab::coordinator {

inline constexpr int kDefaultRepetitions = 5;
inline constexpr int kDefaultWarmup = 1;
inline constexpr int kDefaultMaxRepetitions = 30;  // with target_cv and no max_repetitions

// The defaults of every field a plan may leave out, in ONE place for the CLI's JSON plans and
// the coordinator's SubmitRun: repetitions kDefaultRepetitions, warmup kDefaultWarmup,
// concurrency [1], and with target_cv > 0, max_repetitions max(kDefaultMaxRepetitions,
// repetitions). A field that is set, even to an invalid value, is left for ValidatePlan.
void ApplyPlanDefaults(v1::Plan* plan);

// Every function below has two forms: with the limits given, or with PlanLimitsFromEnv()
// (the defaults where $PARLAB_MAX_PLAN_BYTES is unset or bad; programs report a bad value at
// start-up), so the CLI, the coordinator daemon and RunPlan apply the same limits.

// Parses plan JSON and validates the result (ValidatePlan). InvalidArgument on any error. The
// size is checked before parsing; nesting deeper than kMaxJsonDepth and a key repeated in its
// object are refused while parsing, naming the path: `plan.repetitions: duplicate key ...`.
[[nodiscard]] absl::StatusOr<v1::Plan> ParsePlanJson(absl::string_view text);
[[nodiscard]] absl::StatusOr<v1::Plan> ParsePlanJson(absl::string_view text,
                                                     const PlanLimits& limits);

// Reads and parses a plan file; NotFound names the path when it cannot be read. A file larger
// than limits.max_plan_bytes is refused before it is read.
[[nodiscard]] absl::StatusOr<v1::Plan> LoadPlanFile(const std::string& path);
[[nodiscard]] absl::StatusOr<v1::Plan> LoadPlanFile(const std::string& path,
                                                    const PlanLimits& limits);

// Checks a plan however it was built (JSON, or a SubmitRun request from another client):
// models non-empty and unique, concurrency levels >= 1 and unique, repetitions >= 1,
// warmup >= 0, and the workload kind and params (parlab::workloads::ValidateWorkloadSpec);
// affinity known; target_cv in [0, 1) (0: off), max_repetitions 0 or >= repetitions and
// time_budget_s >= 0, both only with target_cv, which needs interleaved order; every sweep
// value unique and valid for the workload's `param`; mode a RunMode; select keys non-empty;
// and first, every cap of CheckPlanLimits (size, string lengths, counts, concurrency,
// repetitions, warm-ups, time budget).
[[nodiscard]] absl::Status ValidatePlan(const v1::Plan& plan);
[[nodiscard]] absl::Status ValidatePlan(const v1::Plan& plan, const PlanLimits& limits);

}  // namespace parlab::coordinator

#endif  // PARLAB_COORDINATOR_PLAN_H_

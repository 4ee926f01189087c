// Benchmark plans: the JSON file a user writes, turned into a validated v1::Plan.
//
//   {"name": "cpu-sieve", "workload": {"kind": "primes.sieve", "params": {"from": 1000}},
//    "models": ["sequential", "thread_pool"], "concurrency": [1, 2], "repetitions": 5,
//    "warmup": 1}
//
//   PARLAB_ASSIGN_OR_RETURN(v1::Plan plan, coordinator::LoadPlanFile("plans/sieve.json"));
//
// Every error names the field and the offending value: `plan.concurrency[2]: must be >= 1,
// got 0`. Defaults: repetitions 5, warmup 1, concurrency [1]; models is required.
#ifndef PARLAB_COORDINATOR_PLAN_H_
#define PARLAB_COORDINATOR_PLAN_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "parlab/v1/parlab.pb.h"

namespace parlab::coordinator {

inline constexpr int kDefaultRepetitions = 5;
inline constexpr int kDefaultWarmup = 1;

// Parses plan JSON and validates the result (ValidatePlan). InvalidArgument on any error.
[[nodiscard]] absl::StatusOr<v1::Plan> ParsePlanJson(absl::string_view text);

// Reads and parses a plan file; NotFound names the path when it cannot be read.
[[nodiscard]] absl::StatusOr<v1::Plan> LoadPlanFile(const std::string& path);

// Checks a plan however it was built (JSON, or a SubmitRun request from another client):
// models non-empty and unique, concurrency levels >= 1 and unique, repetitions >= 1,
// warmup >= 0, and the workload kind and params (parlab::workloads::ValidateWorkloadSpec).
[[nodiscard]] absl::Status ValidatePlan(const v1::Plan& plan);

}  // namespace parlab::coordinator

#endif  // PARLAB_COORDINATOR_PLAN_H_

// Typed access to a WorkloadSpec's string parameters, with defaults and field-naming errors.
// Each workload's factory reads its parameters through one ParamReader; a parameter the
// workload does not know is an error (a typo must not silently fall back to a default).
//
//   PARLAB_ASSIGN_OR_RETURN(ParamReader params,
//                           ParamReader::Create("primes.sieve", spec.params(), {"from", "to"}));
//   PARLAB_ASSIGN_OR_RETURN(int64_t from, params.Int("from", 1000));
//   // plan.workload.params.from: must be an integer, got "abc"
#ifndef PARLAB_WORKLOADS_PARAMS_H_
#define PARLAB_WORKLOADS_PARAMS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/map.h"

namespace parlab::workloads {

// "plan.workload.params.<name>": how every workload error names its field.
std::string FieldName(absl::string_view param);

class ParamReader {
 public:
  using ParamMap = google::protobuf::Map<std::string, std::string>;

  // Fails if `params` holds a name outside `valid`, naming it and listing the valid ones.
  [[nodiscard]] static absl::StatusOr<ParamReader> Create(absl::string_view kind,
                                                          const ParamMap& params,
                                                          std::vector<std::string> valid);

  // The parameter as a (decimal, optionally signed) integer, or `default_value` if absent.
  [[nodiscard]] absl::StatusOr<int64_t> Int(absl::string_view name, int64_t default_value) const;

 private:
  explicit ParamReader(const ParamMap& params) : params_(&params) {}
  const ParamMap* params_;
};

// `plan.workload.params.<name>: must be >= <min>, got <value>` unless value >= min.
[[nodiscard]] absl::Status RequireAtLeast(absl::string_view name, int64_t value, int64_t min);
// `plan.workload.params.<name>: must be <= <max>, got <value>` unless value <= max.
[[nodiscard]] absl::Status RequireAtMost(absl::string_view name, int64_t value, int64_t max);
// RequireAtLeast, then RequireAtMost: the bounds every workload parameter has.
[[nodiscard]] absl::Status RequireInRange(absl::string_view name, int64_t value, int64_t min,
                                          int64_t max);

// `plan.workload.params.<b>: <a> x <b> must be <= <max> (<why>), got 100 x 3600000` unless the
// product fits: caps what two parameters ask for together (an hour of sleep per repetition).
[[nodiscard]] absl::Status RequireProductAtMost(absl::string_view a, int64_t a_value,
                                                absl::string_view b, int64_t b_value, int64_t max,
                                                absl::string_view why);

// A half-open task range [from, to): from >= min_from, to > from, to <= max_to;
// `plan.workload.params.to: must be greater than from (1000), got 10`.
[[nodiscard]] absl::Status RequireTaskRange(int64_t from, int64_t to, int64_t min_from,
                                            int64_t max_to);

}  // namespace parlab::workloads

#endif  // PARLAB_WORKLOADS_PARAMS_H_

#include "parlab/workloads/params.h"

#include <algorithm>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "parlab/common/status_macros.h"

namespace parlab::workloads {

std::string FieldName(absl::string_view param) {
  return absl::StrCat("plan.workload.params.", param);
}

absl::StatusOr<ParamReader> ParamReader::Create(absl::string_view kind, const ParamMap& params,
                                                std::vector<std::string> valid) {
  std::vector<std::string> unknown;
  for (const auto& [name, value] : params) {
    if (std::find(valid.begin(), valid.end(), name) == valid.end()) unknown.push_back(name);
  }
  if (!unknown.empty()) {
    std::sort(unknown.begin(), unknown.end());  // proto maps iterate in no stable order
    const std::string known = valid.empty() ? "none" : absl::StrJoin(valid, ", ");
    if (unknown.size() == 1) {
      return absl::InvalidArgumentError(absl::StrCat(
          FieldName(unknown[0]), ": unknown parameter of ", kind, " (valid: ", known, ")"));
    }
    return absl::InvalidArgumentError(absl::StrCat("plan.workload.params: unknown parameters ",
                                                   absl::StrJoin(unknown, ", "), " of ", kind,
                                                   " (valid: ", known, ")"));
  }
  return ParamReader(params);
}

absl::StatusOr<int64_t> ParamReader::Int(absl::string_view name, int64_t default_value) const {
  auto it = params_->find(std::string(name));
  if (it == params_->end()) return default_value;
  int64_t value = 0;
  // SimpleAtoi tolerates surrounding whitespace but not "12abc", "1.5" or overflow.
  if (!absl::SimpleAtoi(it->second, &value)) {
    return absl::InvalidArgumentError(
        absl::StrCat(FieldName(name), ": must be an integer, got \"", it->second, "\""));
  }
  return value;
}

absl::Status RequireAtLeast(absl::string_view name, int64_t value, int64_t min) {
  if (value >= min) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat(FieldName(name), ": must be >= ", min, ", got ", value));
}

absl::Status RequireAtMost(absl::string_view name, int64_t value, int64_t max) {
  if (value <= max) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat(FieldName(name), ": must be <= ", max, ", got ", value));
}

absl::Status RequireInRange(absl::string_view name, int64_t value, int64_t min, int64_t max) {
  if (absl::Status low = RequireAtLeast(name, value, min); !low.ok()) return low;
  return RequireAtMost(name, value, max);
}

absl::Status RequireProductAtMost(absl::string_view a, int64_t a_value, absl::string_view b,
                                  int64_t b_value, int64_t max, absl::string_view why) {
  // Division instead of the product: a x b may not fit in 64 bits.
  if (a_value <= 0 || b_value <= 0 || a_value <= max / b_value) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(FieldName(b), ": ", a, " x ", b,
                                                 " must be <= ", max, " (", why, "), got ", a_value,
                                                 " x ", b_value));
}

absl::Status RequireTaskRange(int64_t from, int64_t to, int64_t min_from, int64_t max_to) {
  PARLAB_RETURN_IF_ERROR(RequireAtLeast("from", from, min_from));
  if (to <= from) {
    return absl::InvalidArgumentError(
        absl::StrCat(FieldName("to"), ": must be greater than from (", from, "), got ", to));
  }
  return RequireAtMost("to", to, max_to);
}

}  // namespace parlab::workloads

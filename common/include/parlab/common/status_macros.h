// Status plumbing shared by every parlab module (Abseil 20220623 ships no RETURN_IF_ERROR).
//
//   absl::Status Load() {
//     PARLAB_RETURN_IF_ERROR(Open());
//     PARLAB_ASSIGN_OR_RETURN(auto plan, ParsePlan(text));
//     ...
//   }
#ifndef PARLAB_COMMON_STATUS_MACROS_H_
#define PARLAB_COMMON_STATUS_MACROS_H_

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define PARLAB_RETURN_IF_ERROR(expr)            \
  do {                                          \
    if (absl::Status _st = (expr); !_st.ok()) { \
      return _st;                               \
    }                                           \
  } while (0)

#define PARLAB_STATUS_CONCAT_INNER_(a, b) a##b
#define PARLAB_STATUS_CONCAT_(a, b) PARLAB_STATUS_CONCAT_INNER_(a, b)

#define PARLAB_ASSIGN_OR_RETURN(lhs, expr) \
  PARLAB_ASSIGN_OR_RETURN_IMPL_(PARLAB_STATUS_CONCAT_(_statusor_, __LINE__), lhs, expr)

#define PARLAB_ASSIGN_OR_RETURN_IMPL_(statusor, lhs, expr) \
  auto statusor = (expr);                                  \
  if (!statusor.ok()) {                                    \
    return std::move(statusor).status();                   \
  }                                                        \
  lhs = *std::move(statusor)

#endif  // PARLAB_COMMON_STATUS_MACROS_H_

// kSanitized: true in the sanitizer builds (scripts/sanitize.sh: ASan + UBSan, or TSan). They run
// the same code several times slower (TSan 5-15x, a fork() much more, and more again on a loaded
// CI machine), so a test's few wall-clock bounds ("the waits overlapped: well under N s") are
// checked by the normal build only; everything else is checked in both.
//
//   if (!parlab::testing::kSanitized) {
//     EXPECT_LT(wall, std::chrono::seconds(1));
//   }
#ifndef PARLAB_TESTS_SUPPORT_SANITIZED_H_
#define PARLAB_TESTS_SUPPORT_SANITIZED_H_

#include "parlab/common/sanitizers.h"

namespace parlab::testing {

#if defined(PARLAB_ASAN) || defined(PARLAB_TSAN)
inline constexpr bool kSanitized = true;
#else
inline constexpr bool kSanitized = false;
#endif

}  // namespace parlab::testing

#endif  // PARLAB_TESTS_SUPPORT_SANITIZED_H_

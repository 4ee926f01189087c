// PARLAB_ASAN / PARLAB_TSAN: defined to 1 when this translation unit is built with
// AddressSanitizer / ThreadSanitizer (scripts/sanitize.sh), by GCC or clang alike. GCC says so
// with __SANITIZE_ADDRESS__ and __SANITIZE_THREAD__; clang (the ASan build uses clang-16)
// defines neither and answers __has_feature instead.
#ifndef PARLAB_COMMON_SANITIZERS_H_
#define PARLAB_COMMON_SANITIZERS_H_

#if defined(__SANITIZE_ADDRESS__)
#define PARLAB_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define PARLAB_ASAN 1
#endif
#endif

#if defined(__SANITIZE_THREAD__)
#define PARLAB_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define PARLAB_TSAN 1
#endif
#endif

#endif  // PARLAB_COMMON_SANITIZERS_H_

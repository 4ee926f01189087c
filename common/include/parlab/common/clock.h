// The one clock parlab times with: CLOCK_MONOTONIC in nanoseconds. The runner stamps each
// repetition's run() with it and workloads stamp their tasks with it (spawn compares the two),
// so both must read the same clock the same way.
//
//   const int64_t start = parlab::MonotonicNowNs();
//   ...
//   const int64_t elapsed_ns = parlab::MonotonicNowNs() - start;
//
// Header-only, on purpose: model plugins (MODULEs with hidden visibility) and the workload
// library use it without linking parlab_common, which drags in protobuf and hwloc.
#ifndef PARLAB_COMMON_CLOCK_H_
#define PARLAB_COMMON_CLOCK_H_

#include <time.h>

#include <cstdint>

namespace parlab {

// Signed, because what callers do with stamps is subtract them; an int64_t of nanoseconds
// lasts 292 years of uptime. CLOCK_MONOTONIC cannot fail with a valid clock id and pointer.
inline int64_t MonotonicNowNs() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
}

}  // namespace parlab

#endif  // PARLAB_COMMON_CLOCK_H_

// Internal: the one sieve of Eratosthenes in the library. It is the untimed reference that CPU
// kernels built on trial division (primes.is_prime, sysbench.cpu) are checked against (a
// different algorithm from the kernels it checks, so a bug in one is not repeated in the
// other), and the kernel of primes.sieve itself (checked against a prime-count table).
#ifndef PARLAB_WORKLOADS_SRC_REFERENCE_PRIMES_H_
#define PARLAB_WORKLOADS_SRC_REFERENCE_PRIMES_H_

#include <cstdint>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace parlab::workloads {

// is_prime[k] (0 or 1) for every k in 0..n.
std::vector<uint8_t> SievePrimality(uint64_t n);

// The failed check of every prime-counting kernel, worded alike: InternalError
// "KIND task T (WHERE): VERB C primes, expected E". Callers compare first, so that the
// message is only built for a failure.
[[nodiscard]] absl::Status PrimeCountMismatch(absl::string_view kind, uint64_t task,
                                              absl::string_view where, absl::string_view verb,
                                              uint64_t counted, uint64_t expected);

}  // namespace parlab::workloads

#endif  // PARLAB_WORKLOADS_SRC_REFERENCE_PRIMES_H_

// The primes.is_prime kernel (seed 001: ThreadPoolExecutor.map(is_prime_number, range(1, n+1))):
// trial division of one k, and the per-task verification against a sieve's count.
//
//   bool prime = parlab::workloads::IsPrimeTrialDivision(9973);   // true
//   // task 3 covers k = 31..40; it found 2 primes, the sieve says 2:
//   PARLAB_RETURN_IF_ERROR(CheckIsPrimeCount(3, 31, 40, 2, 2));
#ifndef PARLAB_WORKLOADS_PRIMES_IS_PRIME_H_
#define PARLAB_WORKLOADS_PRIMES_IS_PRIME_H_

#include <cstdint>

#include "absl/status/status.h"

namespace parlab::workloads {

// Whether k is prime, by trial division with 2 and the odd numbers up to sqrt(k).
bool IsPrimeTrialDivision(uint64_t k);

// The verification of one task over k = first..last:
// `primes.is_prime task 3 (k=31..40): found 3 primes, expected 2`.
[[nodiscard]] absl::Status CheckIsPrimeCount(uint64_t task, uint64_t first, uint64_t last,
                                             uint64_t found, uint64_t expected);

}  // namespace parlab::workloads

#endif  // PARLAB_WORKLOADS_PRIMES_IS_PRIME_H_

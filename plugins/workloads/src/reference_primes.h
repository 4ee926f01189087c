// Internal: the untimed reference that CPU kernels built on trial division (primes.is_prime,
// sysbench.cpu) are checked against. A sieve of Eratosthenes: a different algorithm from the
// kernels it checks, so a bug in one is not repeated in the other.
#ifndef PARLAB_WORKLOADS_SRC_REFERENCE_PRIMES_H_
#define PARLAB_WORKLOADS_SRC_REFERENCE_PRIMES_H_

#include <cstdint>
#include <vector>

namespace parlab::workloads {

// is_prime[k] (0 or 1) for every k in 0..n.
std::vector<uint8_t> ReferencePrimality(uint64_t n);

}  // namespace parlab::workloads

#endif  // PARLAB_WORKLOADS_SRC_REFERENCE_PRIMES_H_

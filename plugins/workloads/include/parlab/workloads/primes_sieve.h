// The primes.sieve kernel, exposed so that a benchmark can call it in a plain loop and compare
// with the same work run through the harness (bench/ measures harness overhead this way).
//
//   uint64_t count = parlab::workloads::CountPrimesSieve(15999);   // 1862
//   PrimeCountTable table(1000, 16000);                            // pi(n) for n in [1000, 16000)
//   PARLAB_RETURN_IF_ERROR(CheckPrimeCount(5, 1005, count, table.Pi(1005)));
#ifndef PARLAB_WORKLOADS_PRIMES_SIEVE_H_
#define PARLAB_WORKLOADS_PRIMES_SIEVE_H_

#include <cstdint>
#include <vector>

#include "absl/status/status.h"

namespace parlab::workloads {

// pi(n): the number of primes <= n, by a fresh sieve of Eratosthenes over 0..n (one byte per
// number, as in the seed's Python). This is the timed work of one task.
uint64_t CountPrimesSieve(uint64_t n);

// Reference pi(n) for every n in [from, to), from ONE sieve up to to-1 and a running count: a
// different path from the per-task kernel, cheap enough to build untimed in Prepare().
class PrimeCountTable {
 public:
  PrimeCountTable() = default;
  PrimeCountTable(uint64_t from, uint64_t to);
  // Requires from <= n < to.
  uint64_t Pi(uint64_t n) const { return pi_[n - from_]; }
  bool empty() const { return pi_.empty(); }

 private:
  uint64_t from_ = 0;
  std::vector<uint32_t> pi_;  // pi(1e8) = 5761455 fits easily
};

// The verification of one task: `primes.sieve task 5 (n=1005): counted 170 primes, expected 169`.
[[nodiscard]] absl::Status CheckPrimeCount(uint64_t task, uint64_t n, uint64_t counted,
                                           uint64_t expected);

}  // namespace parlab::workloads

#endif  // PARLAB_WORKLOADS_PRIMES_SIEVE_H_

#include "reference_primes.h"

namespace parlab::workloads {

std::vector<uint8_t> ReferencePrimality(uint64_t n) {
  std::vector<uint8_t> is_prime(n + 1, 1);
  is_prime[0] = 0;
  if (n >= 1) is_prime[1] = 0;
  for (uint64_t p = 2; p * p <= n; ++p) {
    if (!is_prime[p]) continue;
    for (uint64_t multiple = p * p; multiple <= n; multiple += p) is_prime[multiple] = 0;
  }
  return is_prime;
}

}  // namespace parlab::workloads

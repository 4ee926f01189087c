#include "reference_primes.h"

#include "absl/strings/str_cat.h"

namespace parlab::workloads {

std::vector<uint8_t> SievePrimality(uint64_t n) {
  std::vector<uint8_t> is_prime(n + 1, 1);
  is_prime[0] = 0;
  if (n >= 1) is_prime[1] = 0;
  for (uint64_t p = 2; p * p <= n; ++p) {
    if (!is_prime[p]) continue;
    for (uint64_t multiple = p * p; multiple <= n; multiple += p) is_prime[multiple] = 0;
  }
  return is_prime;
}

absl::Status PrimeCountMismatch(absl::string_view kind, uint64_t task, absl::string_view where,
                                absl::string_view verb, uint64_t counted, uint64_t expected) {
  return absl::InternalError(absl::StrCat(kind, " task ", task, " (", where, "): ", verb, " ",
                                          counted, " primes, expected ", expected));
}

}  // namespace parlab::workloads

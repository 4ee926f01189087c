// The factorial kernel (seed 000: `fact = fact * i` for i in 1..n, n = 111116..111119) with GMP,
// and its independent verification: the decimal digit count against lgamma and n! mod p against
// a plain 64-bit product loop.
//
//   FactorialReference ref = parlab::workloads::FactorialDigitReference(111116);  // untimed
//   // ref.min_digits == ref.max_digits == 512413; ref.residue is filled in by the workload
//   PARLAB_RETURN_IF_ERROR(CheckFactorial(0, 111116, ComputeFactorial(111116), ref));
#ifndef PARLAB_WORKLOADS_FACTORIAL_H_
#define PARLAB_WORKLOADS_FACTORIAL_H_

#include <cstdint>

#include "absl/status/status.h"

namespace parlab::workloads {

// The largest prime below 2^32: larger than every n we accept, so n! mod p != 0 and a product
// of two residues fits in 64 bits.
inline constexpr uint64_t kFactorialModulus = 4294967291u;

struct FactorialReference {
  // The digit count of n! from lgammal(n+1)/ln(10): floor + 1. Near an integer the long double
  // estimate cannot decide, so both neighbours are accepted (min < max only then).
  uint64_t min_digits = 0;
  uint64_t max_digits = 0;
  uint64_t residue = 0;  // n! mod kFactorialModulus
};

// n! mod p by a loop of 64-bit modular multiplications; requires p < 2^32.
uint64_t FactorialModPrime(uint64_t n, uint64_t p);

// The digit bounds for n! (residue left 0: the workload computes residues incrementally).
FactorialReference FactorialDigitReference(uint64_t n);

// What one task computed: the exact decimal digit count and n! mod kFactorialModulus of its
// GMP result. Computes n! as the seed does, one multiplication per factor.
struct FactorialResult {
  uint64_t digits = 0;
  uint64_t residue = 0;
};
FactorialResult ComputeFactorial(uint64_t n);

// The verification of one task:
// `factorial task 2 (n=111118): 514658 digits, expected 514659 (from lgamma)` or
// `factorial task 2 (n=111118): n! mod 4294967291 = 17, expected 42`.
[[nodiscard]] absl::Status CheckFactorial(uint64_t task, uint64_t n, const FactorialResult& got,
                                          const FactorialReference& expected);

}  // namespace parlab::workloads

#endif  // PARLAB_WORKLOADS_FACTORIAL_H_

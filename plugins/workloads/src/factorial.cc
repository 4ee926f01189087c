// factorial: task i computes the exact (from+i)! with GMP, by the seed's product loop, and
// checks it two independent ways (digit count from lgamma, residue mod a 32-bit prime).
#include "parlab/workloads/factorial.h"

#include <gmp.h>

#include <cmath>
#include <vector>

#include "absl/strings/str_cat.h"
#include "kinds.h"
#include "parlab/common/status_macros.h"
#include "parlab/workloads/params.h"

namespace parlab::workloads {
namespace {

constexpr char kKind[] = "factorial";
// The product loop is quadratic: 10^6! takes minutes, and n stays far below kFactorialModulus.
constexpr int64_t kMaxN = 1'000'000;
// log10(n!) is accurate to ~1e-12 in long double for n <= kMaxN; closer than this to an
// integer, the floor is ambiguous.
constexpr long double kDigitSlack = 1e-8L;

// The exact number of decimal digits of f > 0. mpz_sizeinbase(f, 10) may be one too large, so
// the candidate is checked against a power of ten.
uint64_t DecimalDigits(const mpz_t f) {
  uint64_t digits = mpz_sizeinbase(f, 10);
  if (digits <= 1) return digits;
  mpz_t power;
  mpz_init(power);
  mpz_ui_pow_ui(power, 10, digits - 1);
  if (mpz_cmp(f, power) < 0) --digits;
  mpz_clear(power);
  return digits;
}

class Factorial : public Workload {
 public:
  Factorial(uint64_t from, uint64_t to) : from_(from), to_(to) {}

  uint64_t task_count() const override { return to_ - from_; }

  absl::Status Prepare() override {
    // lgammal writes the global signgam: compute every bound here, on one thread, untimed.
    reference_.clear();
    uint64_t residue = FactorialModPrime(from_ - 1, kFactorialModulus);
    for (uint64_t n = from_; n < to_; ++n) {
      FactorialReference ref = FactorialDigitReference(n);
      residue = residue * n % kFactorialModulus;
      ref.residue = residue;
      reference_.push_back(ref);
    }
    return absl::OkStatus();
  }

  absl::Status RunTask(uint64_t index) override {
    PARLAB_RETURN_IF_ERROR(CheckTask(kKind, index, /*prepared=*/!reference_.empty()));
    const uint64_t n = from_ + index;
    return CheckFactorial(index, n, ComputeFactorial(n), reference_[index]);
  }

 private:
  uint64_t from_;
  uint64_t to_;
  std::vector<FactorialReference> reference_;
};

absl::StatusOr<std::unique_ptr<Workload>> Create(const v1::WorkloadSpec& spec) {
  PARLAB_ASSIGN_OR_RETURN(ParamReader params,
                          ParamReader::Create(kKind, spec.params(), {"from", "to"}));
  PARLAB_ASSIGN_OR_RETURN(int64_t from, params.Int("from", 111116));
  PARLAB_ASSIGN_OR_RETURN(int64_t to, params.Int("to", 111120));
  PARLAB_RETURN_IF_ERROR(RequireTaskRange(from, to, 1, kMaxN + 1));
  return std::make_unique<Factorial>(static_cast<uint64_t>(from), static_cast<uint64_t>(to));
}

}  // namespace

uint64_t FactorialModPrime(uint64_t n, uint64_t p) {
  uint64_t residue = 1 % p;
  for (uint64_t i = 2; i <= n; ++i) residue = residue * (i % p) % p;
  return residue;
}

FactorialReference FactorialDigitReference(uint64_t n) {
  const long double log10_factorial = lgammal(static_cast<long double>(n) + 1.0L) / logl(10.0L);
  FactorialReference ref;
  // Not below 0 before the cast: 0! and 1! have log10 0, so the lower side is floor(-slack) =
  // -1, and a negative long double converted to an unsigned integer is undefined (it wrapped to
  // 0 digits; clang's UBSan stops on it). Every number has at least one digit.
  ref.min_digits = static_cast<uint64_t>(fmaxl(0.0L, floorl(log10_factorial - kDigitSlack))) + 1;
  ref.max_digits = static_cast<uint64_t>(floorl(log10_factorial + kDigitSlack)) + 1;
  return ref;
}

FactorialResult ComputeFactorial(uint64_t n) {
  mpz_t f;
  mpz_init_set_ui(f, 1);
  for (uint64_t i = 2; i <= n; ++i) mpz_mul_ui(f, f, static_cast<unsigned long>(i));
  FactorialResult result;
  result.digits = DecimalDigits(f);
  result.residue = mpz_fdiv_ui(f, kFactorialModulus);
  mpz_clear(f);
  return result;
}

absl::Status CheckFactorial(uint64_t task, uint64_t n, const FactorialResult& got,
                            const FactorialReference& expected) {
  const std::string where = absl::StrCat(kKind, " task ", task, " (n=", n, "): ");
  if (got.digits < expected.min_digits || got.digits > expected.max_digits) {
    const std::string want = expected.min_digits == expected.max_digits
                                 ? absl::StrCat(expected.min_digits)
                                 : absl::StrCat(expected.min_digits, "..", expected.max_digits);
    return absl::InternalError(
        absl::StrCat(where, got.digits, " digits, expected ", want, " (from lgamma)"));
  }
  if (got.residue != expected.residue) {
    return absl::InternalError(absl::StrCat(where, "n! mod ", kFactorialModulus, " = ", got.residue,
                                            ", expected ", expected.residue));
  }
  return absl::OkStatus();
}

WorkloadKind FactorialKind() {
  return MakeKind(
      kKind, "1.0.0",
      "CPU-bound: task i computes the exact n! (n = from+i) with GMP by the seed's product loop; "
      "checks the digit count against lgamma and n! mod a 32-bit prime against a plain loop",
      "from (integer, default 111116, >= 1): n of task 0; to (integer, default 111120, > from, "
      "<= 1000001): tasks run n = from .. to-1 (the seed's four)",
      &Create);
}

}  // namespace parlab::workloads

// primes.is_prime: trial-division is_prime for every k in 1..n, one task per `chunk` values of k.
// Each task counts the primes it found and checks the count against a sieve built in Prepare().
#include "parlab/workloads/primes_is_prime.h"

#include <algorithm>
#include <vector>

#include "absl/strings/str_cat.h"
#include "kinds.h"
#include "parlab/common/status_macros.h"
#include "parlab/workloads/params.h"
#include "reference_primes.h"

namespace parlab::workloads {
namespace {

constexpr char kKind[] = "primes.is_prime";
constexpr int64_t kMaxN = 100'000'000;  // the reference sieve takes one byte per number

class PrimesIsPrime : public Workload {
 public:
  PrimesIsPrime(uint64_t n, uint64_t chunk) : n_(n), chunk_(chunk) {}

  uint64_t task_count() const override { return (n_ + chunk_ - 1) / chunk_; }

  absl::Status Prepare() override {
    reference_ = SievePrimality(n_);
    return absl::OkStatus();
  }

  absl::Status RunTask(uint64_t index) override {
    PARLAB_RETURN_IF_ERROR(CheckTask(kKind, index, /*prepared=*/!reference_.empty()));
    const uint64_t first = 1 + index * chunk_;
    const uint64_t last = std::min(n_, first + chunk_ - 1);
    uint64_t found = 0;
    for (uint64_t k = first; k <= last; ++k) found += IsPrimeTrialDivision(k) ? 1 : 0;
    // Counting the reference's bytes costs a small fraction of the trial divisions it checks.
    uint64_t expected = 0;
    for (uint64_t k = first; k <= last; ++k) expected += reference_[k];
    return CheckIsPrimeCount(index, first, last, found, expected);
  }

 private:
  uint64_t n_;
  uint64_t chunk_;
  std::vector<uint8_t> reference_;  // the sieve's is_prime[k], k = 0..n (one byte per k)
};

absl::StatusOr<std::unique_ptr<Workload>> Create(const v1::WorkloadSpec& spec) {
  PARLAB_ASSIGN_OR_RETURN(ParamReader params,
                          ParamReader::Create(kKind, spec.params(), {"n", "chunk"}));
  PARLAB_ASSIGN_OR_RETURN(int64_t n, params.Int("n", 10000));
  PARLAB_ASSIGN_OR_RETURN(int64_t chunk, params.Int("chunk", 1));
  PARLAB_RETURN_IF_ERROR(RequireInRange("n", n, 1, kMaxN));
  PARLAB_RETURN_IF_ERROR(RequireInRange("chunk", chunk, 1, n));
  return std::make_unique<PrimesIsPrime>(static_cast<uint64_t>(n), static_cast<uint64_t>(chunk));
}

}  // namespace

bool IsPrimeTrialDivision(uint64_t k) {
  if (k < 2) return false;
  if (k % 2 == 0) return k == 2;
  for (uint64_t d = 3; d * d <= k; d += 2) {
    if (k % d == 0) return false;
  }
  return true;
}

absl::Status CheckIsPrimeCount(uint64_t task, uint64_t first, uint64_t last, uint64_t found,
                               uint64_t expected) {
  if (found == expected) return absl::OkStatus();
  return PrimeCountMismatch(kKind, task, absl::StrCat("k=", first, "..", last), "found", found,
                            expected);
}

WorkloadKind PrimesIsPrimeKind() {
  return MakeKind(
      kKind, "1.0.0",
      "CPU-bound: trial-division is_prime for every k in 1..n, one task per chunk of k; each task "
      "checks its count of primes against a sieve",
      "n (integer, default 10000, 1..100000000): test k = 1..n; chunk (integer, default 1, "
      "1..n): values of k per task (1 = one task per k, as the seed's map)",
      &Create);
}

}  // namespace parlab::workloads

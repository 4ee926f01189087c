// primes.sieve: task i counts the primes <= from+i with a fresh sieve and checks pi(from+i).
#include "parlab/workloads/primes_sieve.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "kinds.h"
#include "parlab/common/status_macros.h"
#include "parlab/workloads/params.h"
#include "reference_primes.h"

namespace parlab::workloads {
namespace {

constexpr char kKind[] = "primes.sieve";
constexpr int64_t kMaxTo = 100'000'000;  // one sieve byte per number: at most 100 MB per task

class PrimesSieve : public Workload {
 public:
  PrimesSieve(uint64_t from, uint64_t to) : from_(from), to_(to) {}

  uint64_t task_count() const override { return to_ - from_; }

  absl::Status Prepare() override {
    table_ = PrimeCountTable(from_, to_);
    return absl::OkStatus();
  }

  absl::Status RunTask(uint64_t index) override {
    PARLAB_RETURN_IF_ERROR(CheckTask(kKind, index, /*prepared=*/!table_.empty()));
    const uint64_t n = from_ + index;
    return CheckPrimeCount(index, n, CountPrimesSieve(n), table_.Pi(n));
  }

 private:
  uint64_t from_;
  uint64_t to_;
  PrimeCountTable table_;
};

absl::StatusOr<std::unique_ptr<Workload>> Create(const v1::WorkloadSpec& spec) {
  PARLAB_ASSIGN_OR_RETURN(ParamReader params,
                          ParamReader::Create(kKind, spec.params(), {"from", "to"}));
  PARLAB_ASSIGN_OR_RETURN(int64_t from, params.Int("from", 1000));
  PARLAB_ASSIGN_OR_RETURN(int64_t to, params.Int("to", 16000));
  PARLAB_RETURN_IF_ERROR(RequireTaskRange(from, to, 2, kMaxTo));
  return std::make_unique<PrimesSieve>(from, to);
}

}  // namespace

uint64_t CountPrimesSieve(uint64_t n) {
  if (n < 2) return 0;
  const std::vector<uint8_t> is_prime = SievePrimality(n);
  return static_cast<uint64_t>(std::count(is_prime.begin(), is_prime.end(), uint8_t{1}));
}

PrimeCountTable::PrimeCountTable(uint64_t from, uint64_t to) : from_(from) {
  if (to <= from) return;
  const std::vector<uint8_t> is_prime = SievePrimality(to - 1);
  pi_.reserve(to - from);
  uint32_t count = 0;
  for (uint64_t k = 0; k < to; ++k) {
    count += is_prime[k];
    if (k >= from) pi_.push_back(count);
  }
}

absl::Status CheckPrimeCount(uint64_t task, uint64_t n, uint64_t counted, uint64_t expected) {
  if (counted == expected) return absl::OkStatus();
  return PrimeCountMismatch(kKind, task, absl::StrCat("n=", n), "counted", counted, expected);
}

WorkloadKind PrimesSieveKind() {
  return MakeKind(
      kKind, "1.0.0",
      "CPU-bound: task i counts the primes <= from+i with a sieve of Eratosthenes and checks "
      "pi(n)",
      "from (integer, default 1000, >= 2): n of task 0; to (integer, default 16000, > from, <= "
      "100000000): tasks run n = from .. to-1",
      &Create);
}

}  // namespace parlab::workloads

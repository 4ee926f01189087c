// sysbench.cpu: each task is one event of sysbench's CPU test; the count every event finds is
// checked against pi(max_prime - 1) - 1 from a sieve built in Prepare().
#include "parlab/workloads/sysbench_cpu.h"

#include <cmath>
#include <vector>

#include "absl/strings/str_cat.h"
#include "kinds.h"
#include "parlab/common/status_macros.h"
#include "parlab/workloads/params.h"
#include "reference_primes.h"

namespace parlab::workloads {
namespace {

constexpr char kKind[] = "sysbench.cpu";
// sysbench reads --cpu-max-prime as an int; one event at 2^31 would take hours anyway.
constexpr int64_t kMaxPrimeLimit = 100'000'000;

class SysbenchCpu : public Workload {
 public:
  SysbenchCpu(uint64_t events, uint64_t max_prime) : events_(events), max_prime_(max_prime) {}

  uint64_t task_count() const override { return events_; }

  absl::Status Prepare() override {
    uint64_t odd_primes = 0;  // primes in [3, max_prime)
    if (max_prime_ >= 3) {
      const std::vector<uint8_t> is_prime = SievePrimality(max_prime_ - 1);
      for (uint64_t k = 3; k < max_prime_; ++k) odd_primes += is_prime[k];
    }
    expected_ = odd_primes;
    prepared_ = true;
    return absl::OkStatus();
  }

  absl::Status RunTask(uint64_t index) override {
    PARLAB_RETURN_IF_ERROR(CheckTask(kKind, index, /*prepared=*/prepared_));
    return CheckSysbenchCpuEvent(index, max_prime_, SysbenchCpuEvent(max_prime_), expected_);
  }

 private:
  uint64_t events_;
  uint64_t max_prime_;
  uint64_t expected_ = 0;
  bool prepared_ = false;
};

absl::StatusOr<std::unique_ptr<Workload>> Create(const v1::WorkloadSpec& spec) {
  PARLAB_ASSIGN_OR_RETURN(ParamReader params,
                          ParamReader::Create(kKind, spec.params(), {"events", "cpu_max_prime"}));
  PARLAB_ASSIGN_OR_RETURN(int64_t events, params.Int("events", 10000));
  PARLAB_ASSIGN_OR_RETURN(int64_t max_prime, params.Int("cpu_max_prime", 10000));
  PARLAB_RETURN_IF_ERROR(RequireInRange("events", events, 1, 100'000'000));
  // At least 1, as sysbench.
  PARLAB_RETURN_IF_ERROR(RequireInRange("cpu_max_prime", max_prime, 1, kMaxPrimeLimit));
  return std::make_unique<SysbenchCpu>(static_cast<uint64_t>(events),
                                       static_cast<uint64_t>(max_prime));
}

}  // namespace

uint64_t SysbenchCpuEvent(uint64_t max_prime) {
  // The types are sysbench's on purpose (64-bit c and l, a double bound compared with l): the
  // 64-bit division and the int-to-double conversion are most of the event's cost, and
  // "faster" types would make events/s incomparable with sysbench's figure.
  unsigned long long n = 0;
  for (unsigned long long c = 3; c < max_prime; ++c) {
    const double t = std::sqrt(static_cast<double>(c));
    unsigned long long l = 2;
    for (; l <= t; ++l) {
      if (c % l == 0) break;
    }
    if (l > t) ++n;
  }
  return n;
}

absl::Status CheckSysbenchCpuEvent(uint64_t task, uint64_t max_prime, uint64_t counted,
                                   uint64_t expected) {
  if (counted == expected) return absl::OkStatus();
  return PrimeCountMismatch(kKind, task, absl::StrCat("cpu_max_prime=", max_prime), "counted",
                            counted, expected);
}

WorkloadKind SysbenchCpuKind() {
  return MakeKind(
      kKind, "1.0.0",
      "CPU-bound: sysbench's cpu test; each task is one event (trial division of every c in "
      "3..cpu_max_prime-1), checked against a sieve. events/s = events / wall time",
      "events (integer, default 10000, >= 1): number of tasks (sysbench events); cpu_max_prime "
      "(integer, default 10000, 1..100000000): as sysbench --cpu-max-prime",
      &Create);
}

}  // namespace parlab::workloads

// The sysbench.cpu kernel: one event of `sysbench cpu` (src/tests/cpu/sb_cpu.c in sysbench
// 1.0), with the same integer and floating-point types, so that parlab's events/s can be set
// next to `sysbench cpu --cpu-max-prime=N --threads=T run` on the same machine.
//
//   uint64_t n = parlab::workloads::SysbenchCpuEvent(10000);          // 1228
//   PARLAB_RETURN_IF_ERROR(CheckSysbenchCpuEvent(7, 10000, n, 1228));
#ifndef PARLAB_WORKLOADS_SYSBENCH_CPU_H_
#define PARLAB_WORKLOADS_SYSBENCH_CPU_H_

#include <cstdint>

#include "absl/status/status.h"

namespace parlab::workloads {

// One sysbench cpu event: counts the c in [3, max_prime) that no l in 2..sqrt(c) divides, i.e.
// the odd primes below max_prime (pi(max_prime - 1) - 1 for max_prime >= 3, else 0).
uint64_t SysbenchCpuEvent(uint64_t max_prime);

// The verification of one event:
// `sysbench.cpu task 7 (cpu_max_prime=10000): counted 1229 primes, expected 1228`.
[[nodiscard]] absl::Status CheckSysbenchCpuEvent(uint64_t task, uint64_t max_prime,
                                                 uint64_t counted, uint64_t expected);

}  // namespace parlab::workloads

#endif  // PARLAB_WORKLOADS_SYSBENCH_CPU_H_

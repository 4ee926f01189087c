// Internal: what each workload contributes to the registry (registry.cc lists them all).
#ifndef PARLAB_WORKLOADS_SRC_KINDS_H_
#define PARLAB_WORKLOADS_SRC_KINDS_H_

#include <memory>

#include "absl/status/statusor.h"
#include "parlab/v1/parlab.pb.h"
#include "parlab/workloads/workload.h"

namespace parlab::workloads {

struct WorkloadKind {
  v1::WorkloadInfo info;
  // Parses and validates the spec's params; allocates nothing large (Prepare() does that).
  absl::StatusOr<std::unique_ptr<Workload>> (*create)(const v1::WorkloadSpec& spec);
};

WorkloadKind PrimesSieveKind();
WorkloadKind SleepKind();
WorkloadKind HttpGetKind();
WorkloadKind PrimesIsPrimeKind();
WorkloadKind FactorialKind();
WorkloadKind MandelbrotKind();
WorkloadKind SysbenchCpuKind();
WorkloadKind FileWriteKind();
WorkloadKind CounterKind();
WorkloadKind QueueKind();
WorkloadKind SpawnKind();

}  // namespace parlab::workloads

#endif  // PARLAB_WORKLOADS_SRC_KINDS_H_

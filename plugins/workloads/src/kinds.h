// Internal: what each workload contributes to the registry (registry.cc lists them all).
#ifndef PARLAB_WORKLOADS_SRC_KINDS_H_
#define PARLAB_WORKLOADS_SRC_KINDS_H_

#include <memory>
#include <string>
#include <utility>

#include "absl/status/statusor.h"
#include "parlab/v1/parlab.pb.h"
#include "parlab/workloads/workload.h"

namespace parlab::workloads {

struct WorkloadKind {
  v1::WorkloadInfo info;
  // Parses and validates the spec's params; allocates nothing large (Prepare() does that).
  absl::StatusOr<std::unique_ptr<Workload>> (*create)(const v1::WorkloadSpec& spec);
  WorkloadCapabilities capabilities;
};

// What every *Kind() returns: the published info, the factory and what the kind allows (by
// default everything: a kind whose tasks are independent needs to say nothing).
inline WorkloadKind MakeKind(const char* kind, const char* version, const char* description,
                             const char* params, decltype(WorkloadKind::create) create,
                             WorkloadCapabilities capabilities = {}) {
  WorkloadKind result;
  result.info.set_kind(kind);
  result.info.set_version(version);
  result.info.set_description(description);
  result.info.set_params(params);
  result.create = create;
  result.capabilities = std::move(capabilities);
  return result;
}

// For a kind whose jobs must not be split into shards; `reason` as in WorkloadCapabilities.
inline WorkloadCapabilities NotShardable(std::string reason) {
  return WorkloadCapabilities{.shardable = false, .not_shardable_reason = std::move(reason)};
}

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
WorkloadKind PythonKind();

}  // namespace parlab::workloads

#endif  // PARLAB_WORKLOADS_SRC_KINDS_H_

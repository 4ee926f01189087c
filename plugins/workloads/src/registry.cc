// The one list of workload kinds. Adding a workload: write it, add its Kind() here.
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "kinds.h"
#include "parlab/common/status_macros.h"
#include "parlab/workloads/workload.h"

namespace parlab::workloads {
namespace {

const std::vector<WorkloadKind>& Kinds() {
  static const auto* kinds = new std::vector<WorkloadKind>{
      PrimesSieveKind(), SleepKind(),      HttpGetKind(),     PrimesIsPrimeKind(),
      FactorialKind(),   MandelbrotKind(), SysbenchCpuKind(), FileWriteKind(),
      CounterKind(),     QueueKind(),      SpawnKind(),
  };
  return *kinds;
}

absl::StatusOr<const WorkloadKind*> FindKind(const std::string& name) {
  std::vector<std::string> known;
  for (const WorkloadKind& kind : Kinds()) {
    if (kind.info.kind() == name) return &kind;
    known.push_back(kind.info.kind());
  }
  return absl::InvalidArgumentError(absl::StrCat("plan.workload.kind: unknown workload \"", name,
                                                 "\" (known: ", absl::StrJoin(known, ", "), ")"));
}

}  // namespace

absl::StatusOr<std::unique_ptr<Workload>> CreateWorkload(const v1::WorkloadSpec& spec) {
  PARLAB_ASSIGN_OR_RETURN(const WorkloadKind* kind, FindKind(spec.kind()));
  return kind->create(spec);
}

absl::Status ValidateWorkloadSpec(const v1::WorkloadSpec& spec) {
  // Creation only parses parameters; the expensive part is Prepare(), which is not called.
  return CreateWorkload(spec).status();
}

std::vector<v1::WorkloadInfo> ListWorkloads() {
  std::vector<v1::WorkloadInfo> infos;
  for (const WorkloadKind& kind : Kinds()) infos.push_back(kind.info);
  return infos;
}

}  // namespace parlab::workloads

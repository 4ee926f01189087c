// The one list of workload kinds, and what the Workload base class does for every kind.
// Adding a workload: write it, add its Kind() here.
#include <string>
#include <string_view>
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
      CounterKind(),     QueueKind(),      SpawnKind(),       PythonKind(),
  };
  return *kinds;
}

absl::StatusOr<const WorkloadKind*> FindKind(absl::string_view name) {
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

absl::StatusOr<WorkloadCapabilities> CapabilitiesOf(std::string_view kind) {
  PARLAB_ASSIGN_OR_RETURN(const WorkloadKind* found,
                          FindKind(absl::string_view(kind.data(), kind.size())));
  return found->capabilities;
}

absl::Status Workload::CheckTask(absl::string_view kind, uint64_t index, bool prepared) const {
  if (const uint64_t tasks = task_count(); index >= tasks) {
    return absl::OutOfRangeError(
        absl::StrCat(kind, " task ", index, ": out of range (", tasks, " tasks)"));
  }
  return prepared ? absl::OkStatus() : NotPrepared(kind);
}

absl::Status Workload::NotPrepared(absl::string_view kind) {
  return absl::FailedPreconditionError(absl::StrCat(kind, ": Prepare() was not called"));
}

}  // namespace parlab::workloads

// The workload library: the kernels every model runs (Task Bench's shared core). A workload
// is a list of independent tasks; each task verifies its own result, so a wrong answer fails
// the job instead of producing a timing.
//
//   PARLAB_ASSIGN_OR_RETURN(std::unique_ptr<Workload> w, CreateWorkload(spec));
//   PARLAB_RETURN_IF_ERROR(w->Prepare());          // untimed: reference values, servers, ...
//   PARLAB_RETURN_IF_ERROR(w->ResetForRepetition());
//   for (uint64_t i = 0; i < w->task_count(); ++i) PARLAB_RETURN_IF_ERROR(w->RunTask(i));
//   PARLAB_RETURN_IF_ERROR(w->VerifyRepetition(times));  // whole-repetition checks
//   Metrics metrics = w->CollectMetrics(times);           // -> Sample.metrics
//
//   PARLAB_ASSIGN_OR_RETURN(WorkloadCapabilities caps, CapabilitiesOf("queue"));
//   if (!caps.shardable) ...  // caps.not_shardable_reason says why
//
// Adding a workload touches only this library (see registry.cc); models never change.
#ifndef PARLAB_WORKLOADS_WORKLOAD_H_
#define PARLAB_WORKLOADS_WORKLOAD_H_

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "parlab/model_abi.h"
#include "parlab/v1/parlab.pb.h"

namespace parlab::workloads {

// Per-task state of a stepped task; each workload derives its own.
struct TaskState {
  virtual ~TaskState() = default;
};

enum class StepResult { kDone, kWait };

// CLOCK_MONOTONIC (ns) just before and just after the model's run() of one repetition: spawn
// measures its units' start times against them.
struct RepetitionTimes {
  int64_t start_ns = 0;
  int64_t end_ns = 0;
};

// What the runner knows about the model a job runs under, for workloads whose tasks must be
// in flight together (queue: a consumer waits for a producer).
struct ModelBounds {
  std::string name;
  uint32_t concurrency = 1;
  uint32_t max_concurrency = 0;  // the entry's: 0 unbounded, 1 sequential by nature
  bool bounds_threads = false;   // concurrency counts OS threads, not tasks in flight
};

// Workload-defined figures of one repetition (Sample.metrics), by name.
using Metrics = std::map<std::string, double>;

class Workload {
 public:
  virtual ~Workload() = default;

  virtual uint64_t task_count() const = 0;

  // Untimed set-up before the first repetition (reference results, fixtures). Called once, on
  // the runner's main thread, before any model runs; its results are inherited by forked
  // children.
  [[nodiscard]] virtual absl::Status Prepare() { return absl::OkStatus(); }

  // Blocking form: runs task `index` to completion on the calling thread and verifies it.
  // Thread-safe and fork-safe (may run in a child forked by a process model).
  [[nodiscard]] virtual absl::Status RunTask(uint64_t index) = 0;

  // Stepping form: advances task `index` until it completes (kDone) or must wait (kWait, with
  // `wait` filled in). `state` starts empty and is owned by the caller between steps. The
  // default runs the whole task in one step — right for CPU-bound kernels.
  [[nodiscard]] virtual absl::StatusOr<StepResult> Step(uint64_t index,
                                                        std::unique_ptr<TaskState>& state,
                                                        parlab_wait_t& wait) {
    absl::Status status = RunTask(index);
    if (!status.ok()) return status;
    return StepResult::kDone;
  }

  // Whether the job can run under this model at all; checked before Prepare(). An error names
  // why: `queue cannot run under sequential: producers and consumers must run concurrently`.
  [[nodiscard]] virtual absl::Status CheckModel(const ModelBounds& model) const {
    return absl::OkStatus();
  }

  // Called by the runner on its main thread before each repetition's run(): state that one
  // repetition consumes (a shared counter, an item sum) starts afresh.
  [[nodiscard]] virtual absl::Status ResetForRepetition() { return absl::OkStatus(); }

  // Called after a run() that completed every task: checks what only the whole repetition can
  // show (a shared counter's total). An error fails the job like a failed task.
  [[nodiscard]] virtual absl::Status VerifyRepetition(const RepetitionTimes& times) {
    return absl::OkStatus();
  }

  // Called after VerifyRepetition() passed: the repetition's figures, put into its Sample.
  virtual Metrics CollectMetrics(const RepetitionTimes& times) { return {}; }

 protected:
  // The checks every RunTask() and Step() starts with, written once so that every workload
  // words them alike: `index` must be below task_count() (else OutOfRange "KIND task 7: out of
  // range (5 tasks)"), then `prepared` must hold (else NotPrepared(kind)).
  [[nodiscard]] absl::Status CheckTask(absl::string_view kind, uint64_t index, bool prepared) const;
  // FailedPrecondition "KIND: Prepare() was not called": without Prepare()'s reference or
  // shared state there is nothing to verify against, so a task refuses instead of passing.
  [[nodiscard]] static absl::Status NotPrepared(absl::string_view kind);
};

// What a workload kind allows the coordinator to do with its jobs; declared by each kind where
// it registers (registry.cc), so that the coordinator never hard-codes kind names.
struct WorkloadCapabilities {
  // Whether a job's tasks may be split into shards that run in separate runners (Job.shard).
  // False when a check covers the whole repetition, or when the tasks must run together.
  bool shardable = true;
  // Why not, when !shardable: a clause that completes "shard cannot split workload queue: ...",
  // e.g. "its tasks must run together (...)".
  std::string not_shardable_reason;
  // Whether each worker must check a job of this kind before any job runs
  // (`parlab-runner --check-workload`): its parameters name things only the worker can see
  // (python: a module file in the worker's allowed directories, imported and inspected there).
  bool worker_check = false;
};

// Builds the workload a spec names, validating every parameter. Errors name the field and the
// value: `plan.workload.params.to: must be greater than from (1000), got 10`.
[[nodiscard]] absl::StatusOr<std::unique_ptr<Workload>> CreateWorkload(
    const v1::WorkloadSpec& spec);

// Checks a spec without preparing anything (the coordinator validates plans with it).
[[nodiscard]] absl::Status ValidateWorkloadSpec(const v1::WorkloadSpec& spec);

// Every workload kind this build knows, with version, description and parameters.
std::vector<v1::WorkloadInfo> ListWorkloads();

// The capabilities the kind declares. InvalidArgument for a kind this build does not know,
// worded as CreateWorkload's: `plan.workload.kind: unknown workload "x" (known: ...)`.
[[nodiscard]] absl::StatusOr<WorkloadCapabilities> CapabilitiesOf(std::string_view kind);

}  // namespace parlab::workloads

#endif  // PARLAB_WORKLOADS_WORKLOAD_H_

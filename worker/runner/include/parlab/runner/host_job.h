// The host side of parlab_job_t: the callbacks a model plugin calls (run_task, step_task,
// is_cancelled, log), backed by a Workload. It also counts verified task completions in shared
// memory, so that tasks run in children forked by process models are counted too, and the
// runner can prove that a "successful" run() really completed every task exactly once.
//
//   PARLAB_ASSIGN_OR_RETURN(std::unique_ptr<HostJob> host,
//                           HostJob::Create(*workload, /*concurrency=*/4, "thread_pool"));
//   host->ResetCompleted();
//   int32_t rc = plugin.entry->run(host->job(), &error);
//   if (host->completed() != workload->task_count()) ...
//
// The job struct is the newest ABI version's with every callback set, whatever the plugin's
// version: an older plugin reads a prefix of it (model_abi.h, compatibility policy).
#ifndef PARLAB_RUNNER_HOST_JOB_H_
#define PARLAB_RUNNER_HOST_JOB_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "parlab/common/shared_page.h"
#include "parlab/model_abi.h"
#include "parlab/runner/affinity.h"
#include "parlab/workloads/workload.h"

namespace parlab::runner {

class HostJob {
 public:
  // `workload` must outlive the HostJob and be Prepare()d already. Fails only if the shared
  // completion counter cannot be mapped. A HostJob never moves: plugins hold job()'s address.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<HostJob>> Create(
      workloads::Workload& workload, uint32_t concurrency, std::string model_name);
  HostJob(const HostJob&) = delete;
  HostJob& operator=(const HostJob&) = delete;

  const parlab_job_t* job() const { return &job_; }

  // Tasks completed and verified since the last ResetCompleted(), in this process and in any
  // children it forked.
  uint64_t completed() const;
  void ResetCompleted();

  // Where bind_unit pins units; nullptr (the default) makes bind_unit a no-op. `placement`
  // must outlive the HostJob's use by run().
  void SetPlacement(const Placement* placement) { placement_ = placement; }
  const Placement* placement() const { return placement_; }

 private:
  HostJob(workloads::Workload& workload, uint32_t concurrency, std::string model_name,
          SharedMapping counter_page);

  static HostJob& From(const parlab_job_t* job);
  static int32_t RunTask(const parlab_job_t* job, uint64_t index, parlab_error_t* error);
  static int32_t StepTask(const parlab_job_t* job, uint64_t index, void** state,
                          parlab_wait_t* wait, parlab_error_t* error);
  static int32_t IsCancelledCallback(const parlab_job_t* job);
  static void Log(const parlab_job_t* job, const char* message);
  static void BindUnit(const parlab_job_t* job, uint32_t unit);

  workloads::Workload& workload_;
  std::string model_name_;
  SharedMapping counter_page_;        // MAP_SHARED: forked children count into it too
  std::atomic<uint64_t>* completed_;  // in counter_page_
  const Placement* placement_ = nullptr;
  parlab_job_t job_{};
};

// Copies `message` into `error`, NUL-terminated, truncated at a UTF-8 character boundary.
void CopyError(absl::string_view message, parlab_error_t* error);

}  // namespace parlab::runner

#endif  // PARLAB_RUNNER_HOST_JOB_H_

#include "parlab/worker/worker_service.h"

#include <chrono>
#include <cmath>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "parlab/common/grpc_status.h"
#include "parlab/common/log.h"
#include "parlab/common/machine_info.h"
#include "parlab/common/run_limits.h"
#include "parlab/common/status_macros.h"
#include "parlab/runner/job_check.h"
#include "parlab/worker/job_executor.h"
#include "parlab/worker/runner_check.h"
#include "parlab/workloads/http_url.h"

namespace parlab {

absl::StatusOr<v1::ModelInfo> ValidateJob(const v1::WorkerDescription& worker, const v1::Job& job) {
  // The limits every plan meets (parlab/common/run_limits.h), first: a job sent straight here
  // was validated by nobody, and nothing below should quote a megabyte-long model name.
  PARLAB_RETURN_IF_ERROR(limits::CheckJobLimits(job, limits::WorkerMaxConcurrency(worker)));
  if (job.model().empty()) return absl::InvalidArgumentError("job.model: must be set");
  const v1::ModelInfo* model = nullptr;
  std::vector<std::string> names;
  for (const v1::ModelInfo& m : worker.models()) {
    names.push_back(m.name());
    if (m.name() == job.model()) model = &m;
  }
  if (model == nullptr) {
    return absl::NotFoundError(absl::StrCat(
        "unknown model \"", job.model(),
        "\" (this worker has: ", names.empty() ? "no models" : absl::StrJoin(names, ", "), ")"));
  }
  if (job.workload().kind().empty()) {
    return absl::InvalidArgumentError("job.workload.kind: must be set");
  }
  // NaN or a negative deadline would silently mean "no limit": refuse it instead.
  if (!std::isfinite(job.job_timeout_s()) || job.job_timeout_s() < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("job.job_timeout_s: must be a finite number of seconds >= 0 (0: no limit), "
                     "got ",
                     job.job_timeout_s()));
  }
  if (worker.workloads_size() > 0) {
    std::vector<std::string> kinds;
    bool known = false;
    for (const v1::WorkloadInfo& w : worker.workloads()) {
      kinds.push_back(w.kind());
      known = known || w.kind() == job.workload().kind();
    }
    if (!known) {
      return absl::NotFoundError(absl::StrCat("unknown workload \"", job.workload().kind(),
                                              "\" (this worker has: ", absl::StrJoin(kinds, ", "),
                                              ")"));
    }
  }
  // ModelInfo says "unbounded" with any value <= 0 (the runner fills it from the entry's uint32).
  const uint32_t max_concurrency =
      model->max_concurrency() > 0 ? static_cast<uint32_t>(model->max_concurrency()) : 0;
  PARLAB_RETURN_IF_ERROR(runner::CheckJobFitsModel(job, model->name(), max_concurrency));
  // Without a cgroup nothing counts the processes and threads a job makes, so the job is held
  // to the ABI's promise instead: at most `concurrency` units at once.
  if (worker.job_process_limit() == limits::kProcessLimitCheck && worker.max_job_processes() > 0 &&
      job.concurrency() > worker.max_job_processes()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "job.concurrency: must be <= ", worker.max_job_processes(),
        " on this worker (--max-job-processes ", worker.max_job_processes(),
        "; it has no cgroup to count a job's processes and threads, so a job may ask for at most "
        "that many units), got ",
        job.concurrency()));
  }
  // Where the job would send requests, before a runner exists: a client that calls RunJob
  // directly (no coordinator, no plan validation) cannot point this worker at its network.
  workloads::HttpAllowList allow;
  if (worker.allow_http_size() > 0) {
    PARLAB_ASSIGN_OR_RETURN(
        allow, workloads::HttpAllowList::Parse(absl::StrJoin(worker.allow_http(), ",")));
  }
  PARLAB_RETURN_IF_ERROR(workloads::CheckWorkloadDestinations(job.workload(), allow));
  const uint64_t outbound = workloads::OutboundRequestsPerRepetition(job.workload());
  const uint64_t runs =
      static_cast<uint64_t>(job.warmup()) + static_cast<uint64_t>(job.repetitions());
  // Unvalidated numbers from a client: bound each factor before multiplying.
  constexpr uint64_t kMax = workloads::kMaxOutboundRequestsPerPlan;
  if (outbound > 0 && (outbound > kMax || runs > kMax || outbound * runs > kMax)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "job.workload.params.requests: requests x (warm-ups + repetitions) to a URL outside "
        "the runner must be <= ",
        kMax, " per job, got ", outbound, " x ", runs));
  }
  return *model;
}

WorkerServiceImpl::WorkerServiceImpl(std::string runner_path, v1::WorkerDescription description)
    : runner_path_(std::move(runner_path)), description_(std::move(description)) {
  *description_.mutable_machine() = CollectMachineInfo();
}

void WorkerServiceImpl::SetAddress(const std::string& address) {
  std::lock_guard<std::mutex> lock(description_mutex_);
  description_.set_address(address);
}

void WorkerServiceImpl::UpdatePlugins(const v1::WorkerDescription& description) {
  std::lock_guard<std::mutex> lock(description_mutex_);
  *description_.mutable_models() = description.models();
  *description_.mutable_workloads() = description.workloads();
  *description_.mutable_refused() = description.refused();
}

v1::WorkerDescription WorkerServiceImpl::Description() {
  std::lock_guard<std::mutex> lock(description_mutex_);
  return description_;
}

grpc::Status WorkerServiceImpl::Describe(grpc::ServerContext* context, const v1::DescribeRequest*,
                                         v1::WorkerDescription* response) {
  if (security_ != nullptr) {
    grpc::Status allowed =
        security_->Authorize(*context, security::Role::kSubmit, "Describe", nullptr);
    if (!allowed.ok()) return allowed;
  }
  std::lock_guard<std::mutex> lock(description_mutex_);
  *response = description_;
  // Load average, governor and clock as of this call (a run describes its workers as it
  // starts), not as of the daemon's start; the topology part is cached, so this is cheap.
  *response->mutable_machine() = CollectMachineInfo();
  return grpc::Status::OK;
}

void WorkerServiceImpl::SetJobEnvironment(std::string scratch_root,
                                          std::vector<std::string> runner_limit_args,
                                          std::string limits_description) {
  scratch_root_ = std::move(scratch_root);
  confinement_.runner_args = std::move(runner_limit_args);
  limits_description_ = std::move(limits_description);
}

void WorkerServiceImpl::SetJobCgroups(std::unique_ptr<JobCgroups> cgroups,
                                      int32_t max_job_processes) {
  cgroups_ = std::move(cgroups);
  confinement_.cgroups = cgroups_.get();
  confinement_.cgroup_max_tasks = max_job_processes + kRunnerOwnTasks;
  confinement_.cgroup_limit_words =
      absl::StrCat("--max-job-processes ", max_job_processes, ", plus ", kRunnerOwnTasks,
                   " for the runner itself");
}

grpc::Status WorkerServiceImpl::CheckWorkload(grpc::ServerContext* context,
                                              const v1::CheckWorkloadRequest* request,
                                              v1::CheckWorkloadResponse* response) {
  // It starts a runner that imports code (the python workload): the submit role, as RunJob.
  if (security_ != nullptr) {
    grpc::Status allowed =
        security_->Authorize(*context, security::Role::kSubmit, "CheckWorkload", nullptr);
    if (!allowed.ok()) return allowed;
  }
  absl::Status checked = CheckWorkloadWithRunner(runner_path_, confinement_, request->workload());
  if (absl::IsInvalidArgument(checked)) {
    response->set_error(std::string(checked.message()));
    return grpc::Status::OK;
  }
  return ToGrpcStatus(checked);
}

grpc::Status WorkerServiceImpl::RunJob(grpc::ServerContext* context,
                                       const v1::RunJobRequest* request,
                                       grpc::ServerWriter<v1::JobEvent>* writer) {
  // Before anything is looked at: a caller without the submit role runs nothing.
  if (security_ != nullptr) {
    grpc::Status allowed =
        security_->Authorize(*context, security::Role::kSubmit, "RunJob", nullptr);
    if (!allowed.ok()) {
      log::Event("job_refused", {{"reason", allowed.error_message()}});
      return allowed;
    }
  }
  JobTarget target;
  absl::StatusOr<v1::ModelInfo> model;
  {
    std::lock_guard<std::mutex> lock(description_mutex_);
    model = ValidateJob(description_, request->job());
    target.machine = description_.machine().hostname();
    target.worker_address = description_.address();
  }
  if (!model.ok()) return ToGrpcStatus(model.status());
  target.runner_path = runner_path_;
  target.scratch_root = scratch_root_;
  target.confinement = confinement_;
  target.limits_description = limits_description_;
  target.plugin_path = model->path();

  auto stop = [&] { return shutting_down_.load() || context->IsCancelled(); };
  std::unique_lock<std::timed_mutex> turn(job_mutex_, std::defer_lock);
  while (!turn.try_lock_for(std::chrono::milliseconds(100))) {
    if (stop()) {
      return grpc::Status(grpc::StatusCode::CANCELLED,
                          absl::StrCat("job ", request->job().job_id(),
                                       " was cancelled while waiting for the previous job"));
    }
  }

  running_jobs_.fetch_add(1);
  struct BusyEnd {
    std::atomic<int>& count;
    ~BusyEnd() { count.fetch_sub(1); }
  } busy_end{running_jobs_};
  v1::JobResult result = ExecuteJob(
      target, request->job(), [&](const v1::JobEvent& event) { return writer->Write(event); },
      stop);
  v1::JobEvent last;
  *last.mutable_result() = result;
  writer->Write(last);
  if (result.status() == v1::JOB_STATUS_CANCELLED) {
    return grpc::Status(grpc::StatusCode::CANCELLED, result.error());
  }
  return grpc::Status::OK;
}

}  // namespace parlab

// PlanJobs and CheckWorkerHasPlan: what a worker runs for a plan, decided from its description.
#include "parlab/coordinator/schedule.h"

#include <algorithm>
#include <memory>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "parlab/common/status_macros.h"
#include "parlab/workloads/http_url.h"
#include "parlab/workloads/workload.h"

namespace parlab::coordinator {
namespace {

const v1::ModelInfo* FindModel(const v1::WorkerDescription& worker, const std::string& name) {
  for (const v1::ModelInfo& model : worker.models()) {
    if (model.name() == name) return &model;
  }
  return nullptr;
}

}  // namespace

double DefaultJobTimeoutSeconds(const v1::Plan& plan) {
  const double runs = static_cast<double>(plan.warmup()) + static_cast<double>(plan.repetitions());
  return std::max(kMinJobTimeoutSeconds, kJobSecondsPerRun * runs);
}

std::vector<PlannedJob> PlanJobs(const v1::Plan& plan, const v1::WorkerDescription& worker,
                                 const std::string& job_id_prefix) {
  std::vector<PlannedJob> jobs;
  for (const std::string& model : plan.models()) {
    const v1::ModelInfo* info = FindModel(worker, model);
    const int32_t max_concurrency = info == nullptr ? 0 : info->max_concurrency();
    std::vector<int32_t> levels(plan.concurrency().begin(), plan.concurrency().end());
    if (max_concurrency == 1) levels = {1};
    // A sweep runs every model x level once per value; without one, once (value "").
    std::vector<std::string> points(plan.sweep().values().begin(), plan.sweep().values().end());
    if (points.empty()) points.emplace_back();
    for (size_t job_index = 0; job_index < levels.size() * points.size(); ++job_index) {
      const int32_t level = levels[job_index / points.size()];
      const std::string& point = points[job_index % points.size()];
      PlannedJob planned;
      v1::Job& job = planned.job;
      job.set_job_id(absl::StrCat(job_id_prefix, model, "@", level));
      job.set_plan_name(plan.name());
      *job.mutable_workload() = plan.workload();
      if (!point.empty()) {
        absl::StrAppend(job.mutable_job_id(), ":", plan.sweep().param(), "=", point);
        (*job.mutable_workload()->mutable_params())[plan.sweep().param()] = point;
        job.set_sweep_value(point);
      }
      job.set_model(model);
      job.set_concurrency(level);
      job.set_repetitions(plan.repetitions());
      job.set_warmup(plan.warmup());
      job.set_affinity(plan.affinity());
      job.set_job_timeout_s(plan.job_timeout_s() > 0 ? plan.job_timeout_s()
                                                     : DefaultJobTimeoutSeconds(plan));
      if (max_concurrency > 1 && level > max_concurrency) {
        planned.skip_reason =
            absl::StrCat("model ", model, " supports concurrency <= ", max_concurrency,
                         ", the plan asks for ", level);
      }
      jobs.push_back(std::move(planned));
    }
  }
  return jobs;
}

absl::Status CheckWorkerHasPlan(const v1::Plan& plan, const v1::WorkerDescription& worker) {
  for (int i = 0; i < plan.models_size(); ++i) {
    if (FindModel(worker, plan.models(i)) != nullptr) continue;
    std::vector<std::string> names;
    for (const v1::ModelInfo& model : worker.models()) names.push_back(model.name());
    std::string message = absl::StrCat(
        "plan.models[", i, "]: unknown model \"", plan.models(i), "\" on worker ", worker.address(),
        " (it has: ", names.empty() ? "no models" : absl::StrJoin(names, ", "), ")");
    // A refused plugin is the usual reason a model is missing: say why it was refused.
    for (const v1::RefusedPlugin& refused : worker.refused()) {
      absl::StrAppend(&message, "; refused ", refused.path(), ": ", refused.reason());
    }
    return absl::InvalidArgumentError(message);
  }
  if (worker.workloads_size() > 0) {
    std::vector<std::string> kinds;
    for (const v1::WorkloadInfo& workload : worker.workloads()) kinds.push_back(workload.kind());
    if (std::find(kinds.begin(), kinds.end(), plan.workload().kind()) == kinds.end()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "plan.workload.kind: unknown workload \"", plan.workload().kind(), "\" on worker ",
          worker.address(), " (it has: ", absl::StrJoin(kinds, ", "), ")"));
    }
  }
  // Where the workload would send requests, against what this worker's operator allows: refused
  // here, before any job, rather than by the worker job after job.
  workloads::HttpAllowList allow;
  if (worker.allow_http_size() > 0) {
    absl::StatusOr<workloads::HttpAllowList> parsed =
        workloads::HttpAllowList::Parse(absl::StrJoin(worker.allow_http(), ","));
    if (!parsed.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "worker ", worker.address(), " describes a bad allow_http: ", parsed.status().message()));
    }
    allow = *std::move(parsed);
  }
  PARLAB_RETURN_IF_ERROR(
      workloads::CheckWorkloadDestinations(plan.workload(), allow, worker.address()));
  for (const std::string& value : plan.sweep().values()) {
    v1::WorkloadSpec spec = plan.workload();
    (*spec.mutable_params())[plan.sweep().param()] = value;
    PARLAB_RETURN_IF_ERROR(workloads::CheckWorkloadDestinations(spec, allow, worker.address()));
  }
  // A model x workload combination that cannot work (a queue under `sequential` would
  // deadlock) is refused here, before any job runs, with the workload's own reason.
  PARLAB_ASSIGN_OR_RETURN(std::unique_ptr<workloads::Workload> workload,
                          workloads::CreateWorkload(plan.workload()));
  for (int i = 0; i < plan.models_size(); ++i) {
    const v1::ModelInfo& model = *FindModel(worker, plan.models(i));
    for (int32_t level : plan.concurrency()) {
      workloads::ModelBounds bounds;
      bounds.name = model.name();
      bounds.max_concurrency = static_cast<uint32_t>(model.max_concurrency());
      bounds.concurrency = model.max_concurrency() == 1 ? 1 : static_cast<uint32_t>(level);
      bounds.bounds_threads = model.concurrency_bounds() == "threads";
      if (absl::Status fits = workload->CheckModel(bounds); !fits.ok()) {
        return absl::InvalidArgumentError(absl::StrCat(
            "plan.models[", i, "]: ", model.name(), " at concurrency ", bounds.concurrency,
            " cannot run ", plan.workload().kind(), ": ", fits.message()));
      }
    }
  }
  return absl::OkStatus();
}

}  // namespace parlab::coordinator

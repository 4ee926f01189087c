// RunPlan: connect and check every worker, then broadcast the plan (one thread per worker).
#include "parlab/coordinator/run_plan.h"

#include <algorithm>
#include <memory>
#include <optional>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "parlab/cluster/discovery.h"
#include "parlab/cluster/liveness.h"
#include "parlab/cluster/worker_client.h"
#include "parlab/cluster/worker_lock.h"
#include "parlab/common/grpc_status.h"
#include "parlab/common/status_macros.h"
#include "parlab/coordinator/plan.h"
#include "parlab/coordinator/plan_limits.h"
#include "parlab/coordinator/rounds.h"
#include "parlab/coordinator/run_totals.h"
#include "parlab/coordinator/schedule.h"
#include "parlab/coordinator/shard.h"
#include "parlab/results/samples.h"
#include "parlab/store/store_recorder.h"
#include "parlab/v1/parlab.grpc.pb.h"
#include "parlab/workloads/workload.h"

namespace parlab::coordinator {
namespace {

// Serializes the user's callback across worker threads.
class Emitter {
 public:
  explicit Emitter(const RunEventCallback& callback) : callback_(callback) {}
  void Emit(const v1::RunEvent& event) {
    if (!callback_) return;
    absl::MutexLock lock(&mutex_);
    callback_(event);
  }

 private:
  const RunEventCallback& callback_;
  absl::Mutex mutex_;
};

// Runs one job over the streaming RPC. Never fails: every outcome is a JobResult.
v1::JobResult RunOneJob(const cluster::ConnectedWorker& worker, const v1::Job& job,
                        cluster::RunCanceller* canceller, Emitter& emitter,
                        const RoundInfo* round) {
  // A lost worker gets no more jobs (docs/cluster.md); a live one runs one job at a time,
  // whichever run of this process it comes from (worker_lock.h).
  if (std::optional<std::string> lost = worker.health->lost_reason()) {
    v1::JobResult result = cluster::ResultShell(job, worker);
    result.set_status(v1::JOB_STATUS_FAILED);
    result.set_error(*lost);
    return result;
  }
  std::optional<cluster::WorkerLease> lease =
      cluster::WorkerLocks::Global().Acquire(worker.address, canceller);
  if (!lease.has_value()) {
    v1::JobResult result = cluster::ResultShell(job, worker);
    result.set_status(v1::JOB_STATUS_CANCELLED);
    result.set_error("cancelled while waiting for the worker");
    return result;
  }
  v1::RunEvent started;
  started.mutable_job_started()->set_worker(worker.address);
  started.mutable_job_started()->set_shard_index(job.shard_index());
  started.mutable_job_started()->set_model(job.model());
  started.mutable_job_started()->set_concurrency(job.concurrency());
  started.mutable_job_started()->set_sweep_value(job.sweep_value());
  emitter.Emit(started);

  v1::JobResult shell = cluster::ResultShell(job, worker);
  grpc::ClientContext context;
  cluster::ScopedCancellation cancellation(canceller, &context);
  if (!cancellation.ok()) {
    shell.set_status(v1::JOB_STATUS_CANCELLED);
    shell.set_error("cancelled before it started");
    return shell;
  }
  v1::RunJobRequest request;
  *request.mutable_job() = job;
  std::unique_ptr<grpc::ClientReader<v1::JobEvent>> reader = worker.stub->RunJob(&context, request);
  cluster::LivenessWatch watch(worker,
                               &context);  // a cut link answers nothing: give up after a timeout
  std::vector<v1::Sample> streamed;
  std::optional<v1::JobResult> reported;
  v1::JobEvent event;
  while (reader->Read(&event)) {
    if (event.has_progress()) {
      v1::RunEvent progress;
      auto* p = progress.mutable_progress();
      p->set_worker(worker.address);
      p->set_model(job.model());
      p->set_concurrency(job.concurrency());
      *p->mutable_progress() = event.progress();
      if (round != nullptr && event.progress().phase() == "measure") {
        p->mutable_progress()->set_repetition(round->index);
        p->mutable_progress()->set_repetitions(round->count);
      }
      emitter.Emit(progress);
    } else if (event.has_sample()) {
      streamed.push_back(event.sample());
    } else if (event.has_result()) {
      reported = event.result();
    }
  }
  grpc::Status status = reader->Finish();
  watch.Stop();

  v1::JobResult result = shell;
  if (reported.has_value()) {
    result = *std::move(reported);
    // Identity fields come from what we asked for; the worker may leave them empty.
    result.set_job_id(job.job_id());
    result.set_model(job.model());
    result.set_concurrency(job.concurrency());
    result.set_sweep_value(job.sweep_value());
    result.set_shard_index(job.shard_index());
    result.set_shard_count(job.shard_count());
    if (result.machine().empty()) result.set_machine(shell.machine());
    result.set_worker_address(worker.address);
    result.set_worker_identity(shell.worker_identity());
  }
  // Samples streamed before a failure stay valid even when no result arrived.
  if (result.samples().empty()) {
    for (v1::Sample& sample : streamed) *result.add_samples() = std::move(sample);
  }
  if (!reported.has_value()) {
    bool cancelled = canceller != nullptr && canceller->cancelled();
    result.set_status(cancelled ? v1::JOB_STATUS_CANCELLED : v1::JOB_STATUS_FAILED);
    result.set_error(cancelled
                         ? "cancelled"
                         : absl::StrCat("worker ", worker.address,
                                        ": RunJob failed: ", FromGrpcStatus(status).ToString()));
    bool first = false;
    if (std::optional<std::string> lost =
            cancelled ? std::nullopt : cluster::JudgeLoss(worker, watch, status, &first)) {
      result.set_error(*lost);
      if (first) {
        v1::RunEvent lost_event;
        lost_event.mutable_worker_lost()->set_worker(worker.address);
        lost_event.mutable_worker_lost()->set_reason(*lost);
        emitter.Emit(lost_event);
      }
    }
  } else if (result.status() == v1::JOB_STATUS_UNSPECIFIED) {
    result.set_status(v1::JOB_STATUS_FAILED);
    if (result.error().empty()) result.set_error("worker reported no job status");
  } else if (result.status() == v1::JOB_STATUS_OK &&
             results::CountMeasured(result) != job.repetitions()) {
    // An OK without every measured sample would silently shrink the statistics.
    result.set_status(v1::JOB_STATUS_FAILED);
    result.set_error(absl::StrCat("worker reported OK with ", results::CountMeasured(result),
                                  " of ", job.repetitions(), " measured samples"));
  }
  return result;
}

void EmitResult(const v1::JobResult& result, Emitter& emitter) {
  v1::RunEvent event;
  *event.mutable_job_result() = result;
  emitter.Emit(event);
}

// Every worker runs the whole plan, one thread per worker; each is its own round loop, so a
// slow machine never holds back a fast one.
std::vector<std::vector<v1::JobResult>> RunBroadcast(
    const v1::Plan& plan, const std::vector<cluster::ConnectedWorker>& workers,
    const std::string& run_id, cluster::RunCanceller* canceller, const RoundHooks& hooks,
    Emitter& emitter) {
  std::vector<std::vector<v1::JobResult>> per_worker(workers.size());
  std::vector<std::thread> threads;
  for (size_t i = 0; i < workers.size(); ++i) {
    threads.emplace_back([&, i] {
      std::vector<JobGroup> groups;
      const std::string prefix = absl::StrCat(run_id, "/w", i, "/");
      for (PlannedJob& planned : PlanJobs(plan, workers[i].description, prefix)) {
        groups.push_back({.members = {{i, std::move(planned.job)}},
                          .skip_reason = std::move(planned.skip_reason)});
      }
      RoundHooks own = hooks;
      own.done = [&](const std::vector<v1::JobResult>& results) {
        for (const v1::JobResult& result : results) EmitResult(result, emitter);
      };
      for (std::vector<v1::JobResult>& group : RunRounds(plan, groups, canceller, own)) {
        for (v1::JobResult& result : group) per_worker[i].push_back(std::move(result));
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  return per_worker;
}

// The tasks of every job split over the workers (shard.h): one round loop whose groups are
// the N shards of a job.
std::vector<v1::JobResult> RunSharded(const v1::Plan& plan,
                                      const std::vector<cluster::ConnectedWorker>& workers,
                                      const std::string& run_id, cluster::RunCanceller* canceller,
                                      const RoundHooks& hooks, Emitter& emitter) {
  // Every worker has every model (checked before), so the first one's bounds decide.
  const std::vector<JobGroup> groups = ShardGroups(
      PlanJobs(plan, workers[0].description, absl::StrCat(run_id, "/")), workers.size());
  return FinishShards(
      RunRounds(plan, groups, canceller, hooks), groups, workers, canceller,
      [&](size_t worker, const v1::Job& job) { return hooks.run(worker, job, nullptr); },
      [&](const v1::JobResult& result) { EmitResult(result, emitter); });
}

// For a kind whose parameters name what only the worker sees (python: a module in its
// --python-path), each worker builds the workload in a runner of its own before any job runs;
// a refusal is a plan error naming the worker.
absl::Status CheckWorkloadOnWorkers(const v1::Plan& plan,
                                    const std::vector<cluster::ConnectedWorker>& workers,
                                    absl::Duration timeout) {
  PARLAB_ASSIGN_OR_RETURN(workloads::WorkloadCapabilities caps,
                          workloads::CapabilitiesOf(plan.workload().kind()));
  if (!caps.worker_check) return absl::OkStatus();
  for (const cluster::ConnectedWorker& worker : workers) {
    grpc::ClientContext context;
    // Starting an interpreter and importing a module: the connect timeout plus the runner's
    // own bound (30 s) at most.
    context.set_deadline(absl::ToChronoTime(absl::Now() + timeout + absl::Seconds(35)));
    v1::CheckWorkloadRequest request;
    *request.mutable_workload() = plan.workload();
    v1::CheckWorkloadResponse response;
    grpc::Status status = worker.stub->CheckWorkload(&context, request, &response);
    if (!status.ok()) {
      return absl::Status(FromGrpcStatus(status).code(),
                          absl::StrCat("worker ", worker.address,
                                       ": CheckWorkload failed: ", status.error_message()));
    }
    if (!response.error().empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat(response.error(), " (on worker ", worker.address, ")"));
    }
  }
  return absl::OkStatus();
}

absl::Status CheckAddresses(const std::vector<std::string>& addresses) {
  if (addresses.empty()) return absl::InvalidArgumentError("workers: no worker to run on");
  for (size_t i = 0; i < addresses.size(); ++i) {
    if (addresses[i].empty()) {
      return absl::InvalidArgumentError(absl::StrCat("workers[", i, "]: empty address"));
    }
    for (size_t j = 0; j < i; ++j) {
      if (addresses[j] == addresses[i]) {
        return absl::InvalidArgumentError(absl::StrCat("workers[", i, "]: duplicate worker \"",
                                                       addresses[i], "\" (also workers[", j, "])"));
      }
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<RunOutcome> RunPlan(const v1::Plan& plan,
                                   const std::vector<std::string>& worker_addresses,
                                   const RunOptions& options, const RunEventCallback& on_event) {
  PARLAB_RETURN_IF_ERROR(ValidatePlan(plan));
  PARLAB_RETURN_IF_ERROR(CheckAddresses(worker_addresses));
  PARLAB_ASSIGN_OR_RETURN(
      std::vector<cluster::ConnectedWorker> workers,
      cluster::ConnectWorkers(worker_addresses, options.connect_timeout, options.canceller));
  // Cluster: plan.select keeps the labelled workers; shard mode splits the tasks over them.
  PARLAB_RETURN_IF_ERROR(cluster::KeepSelected(plan.select(), workers));
  for (cluster::ConnectedWorker& worker : workers) {
    worker.health->timeout = options.heartbeat_timeout;
    // A certificate (TLS) names the worker best; else, who registered its address.
    if (worker.description.identity().empty() && options.registered_identity) {
      const std::string registrant = options.registered_identity(worker.address);
      if (!registrant.empty()) {
        worker.description.set_identity(absl::StrCat("registered by ", registrant));
      }
    }
  }
  for (const cluster::ConnectedWorker& worker : workers) {
    PARLAB_RETURN_IF_ERROR(CheckWorkerHasPlan(plan, worker.description));
    PARLAB_RETURN_IF_ERROR(CheckConcurrencyFitsWorker(plan, worker.description));
  }
  if (plan.mode() == v1::RUN_MODE_SHARD) {
    PARLAB_RETURN_IF_ERROR(CheckShardable(plan, workers.size()));
  }
  PARLAB_RETURN_IF_ERROR(CheckWorkloadOnWorkers(plan, workers, options.connect_timeout));

  RunOutcome outcome;
  outcome.run_id = options.run_id.empty() ? store::NewRunId() : options.run_id;
  Emitter emitter(on_event);
  {
    std::vector<v1::WorkerDescription> described;
    for (const cluster::ConnectedWorker& worker : workers) described.push_back(worker.description);
    emitter.Emit(RunStartedEvent(outcome.run_id, ComputeRunTotals(plan, described)));
  }
  for (const cluster::ConnectedWorker& worker : workers) {
    outcome.workers.push_back(worker.description);
    v1::RunEvent event;
    *event.mutable_worker() = worker.description;
    emitter.Emit(event);
  }

  RoundHooks hooks;
  hooks.run = [&](size_t worker, const v1::Job& job, const RoundInfo* round) {
    return RunOneJob(workers[worker], job, options.canceller, emitter, round);
  };
  hooks.shell = [&](size_t worker, const v1::Job& job) {
    return cluster::ResultShell(job, workers[worker]);
  };
  hooks.partial = [&](const v1::JobResult& partial) {
    v1::RunEvent event;
    *event.mutable_partial_result() = partial;
    emitter.Emit(event);
  };
  std::vector<std::vector<v1::JobResult>> per_worker;
  if (plan.mode() == v1::RUN_MODE_SHARD) {
    per_worker.push_back(
        RunSharded(plan, workers, outcome.run_id, options.canceller, hooks, emitter));
  } else {
    per_worker = RunBroadcast(plan, workers, outcome.run_id, options.canceller, hooks, emitter);
  }
  for (std::vector<v1::JobResult>& results : per_worker) {
    for (v1::JobResult& result : results) {
      (result.status() == v1::JOB_STATUS_OK ? outcome.jobs_ok : outcome.jobs_failed)++;
      outcome.results.push_back(std::move(result));
    }
  }
  outcome.cancelled = options.canceller != nullptr && options.canceller->cancelled();

  v1::RunEvent finished;
  finished.mutable_finished()->set_run_id(outcome.run_id);
  finished.mutable_finished()->set_jobs_ok(outcome.jobs_ok);
  finished.mutable_finished()->set_jobs_failed(outcome.jobs_failed);
  emitter.Emit(finished);
  return outcome;
}

}  // namespace parlab::coordinator

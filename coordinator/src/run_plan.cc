// RunPlan: connect and check every worker, then broadcast the plan (one thread per worker).
#include "parlab/coordinator/run_plan.h"

#include <unistd.h>

#include <algorithm>
#include <memory>
#include <numeric>
#include <optional>
#include <random>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "parlab/common/status_macros.h"
#include "parlab/coordinator/auto_repeat.h"
#include "parlab/coordinator/discovery.h"
#include "parlab/coordinator/liveness.h"
#include "parlab/coordinator/plan.h"
#include "parlab/coordinator/shard.h"
#include "parlab/coordinator/worker_lock.h"
#include "parlab/coordinator/run_totals.h"
#include "parlab/coordinator/worker_client.h"
#include "parlab/v1/parlab.grpc.pb.h"

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

std::string NewRunId() {
  return absl::StrCat("run-", absl::FormatTime("%Y%m%dT%H%M%S", absl::Now(), absl::UTCTimeZone()),
                      "-", getpid());
}

int CountMeasured(const v1::JobResult& result) {
  int measured = 0;
  for (const v1::Sample& sample : result.samples()) measured += sample.warmup() ? 0 : 1;
  return measured;
}

// Which round of an interleaved run a job is, so progress reads "measure 3/5" for the plan
// rather than "measure 1/1" for the one-repetition job.
struct Round {
  int index = 0;
  int count = 1;
};

// Runs one job over the streaming RPC. Never fails: every outcome is a JobResult.
v1::JobResult RunOneJob(const ConnectedWorker& worker, const v1::Job& job, RunCanceller* canceller,
                        Emitter& emitter, const Round* round = nullptr) {
  // A lost worker gets no more jobs (docs/cluster.md); a live one runs one job at a time,
  // whichever run of this process it comes from (worker_lock.h).
  if (std::optional<std::string> lost = worker.health->lost_reason()) {
    v1::JobResult result = ResultShell(job, worker);
    result.set_status(v1::JOB_STATUS_FAILED);
    result.set_error(*lost);
    return result;
  }
  std::optional<WorkerLease> lease = WorkerLocks::Global().Acquire(worker.address, canceller);
  if (!lease.has_value()) {
    v1::JobResult result = ResultShell(job, worker);
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

  v1::JobResult shell = ResultShell(job, worker);
  grpc::ClientContext context;
  ScopedCancellation cancellation(canceller, &context);
  if (!cancellation.ok()) {
    shell.set_status(v1::JOB_STATUS_CANCELLED);
    shell.set_error("cancelled before it started");
    return shell;
  }
  v1::RunJobRequest request;
  *request.mutable_job() = job;
  std::unique_ptr<grpc::ClientReader<v1::JobEvent>> reader = worker.stub->RunJob(&context, request);
  LivenessWatch watch(worker, &context);  // a cut link answers nothing: give up after a timeout
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
    if (result.machine().empty()) result.set_machine(shell.machine());
    result.set_worker_address(worker.address);
  }
  // Samples streamed before a failure stay valid even when no result arrived.
  if (result.samples().empty()) {
    for (v1::Sample& sample : streamed) *result.add_samples() = std::move(sample);
  }
  if (!reported.has_value()) {
    bool cancelled = canceller != nullptr && canceller->cancelled();
    result.set_status(cancelled ? v1::JOB_STATUS_CANCELLED : v1::JOB_STATUS_FAILED);
    result.set_error(cancelled ? "cancelled"
                               : absl::StrCat("worker ", worker.address,
                                              ": RunJob failed: ", FromGrpc(status).ToString()));
    bool first = false;
    if (std::optional<std::string> lost =
            cancelled ? std::nullopt : JudgeLoss(worker, watch, status, &first)) {
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
  } else if (result.status() == v1::JOB_STATUS_OK && CountMeasured(result) != job.repetitions()) {
    // An OK without every measured sample would silently shrink the statistics.
    result.set_status(v1::JOB_STATUS_FAILED);
    result.set_error(absl::StrCat("worker reported OK with ", CountMeasured(result), " of ",
                                  job.repetitions(), " measured samples"));
  }
  return result;
}

void EmitResult(const v1::JobResult& result, Emitter& emitter) {
  v1::RunEvent event;
  *event.mutable_job_result() = result;
  emitter.Emit(event);
}

// A snapshot of an interleaved job between rounds, for the store (RunEvent.partial_result).
void EmitPartial(const v1::JobResult& merged, int rounds, Emitter& emitter) {
  v1::RunEvent event;
  v1::JobResult* partial = event.mutable_partial_result();
  *partial = merged;
  if (partial->status() == v1::JOB_STATUS_OK) {
    partial->set_status(v1::JOB_STATUS_CANCELLED);
    partial->set_error(absl::StrCat("partial: ", CountMeasured(merged), " measured repetitions of ",
                                    rounds, " rounds run when last stored"));
  }
  emitter.Emit(event);
}

v1::JobResult SkippedResult(const PlannedJob& planned, const ConnectedWorker& worker) {
  v1::JobResult result = ResultShell(planned.job, worker);
  result.set_status(v1::JOB_STATUS_FAILED);
  result.set_error(planned.skip_reason);
  return result;
}

// Grouped order: each job runs all its repetitions in one runner, one job after another.
std::vector<v1::JobResult> RunGrouped(const std::vector<PlannedJob>& jobs,
                                      const ConnectedWorker& worker, RunCanceller* canceller,
                                      Emitter& emitter) {
  std::vector<v1::JobResult> results;
  for (const PlannedJob& planned : jobs) {
    if (canceller != nullptr && canceller->cancelled()) break;
    v1::JobResult result = planned.skip_reason.empty()
                               ? RunOneJob(worker, planned.job, canceller, emitter)
                               : SkippedResult(planned, worker);
    EmitResult(result, emitter);
    results.push_back(std::move(result));
  }
  return results;
}

// Appends one round's samples to the merged result, numbering them as the plan's repetitions.
void MergeRound(const v1::JobResult& round_result, int round, v1::JobResult& merged) {
  for (const v1::Sample& sample : round_result.samples()) {
    v1::Sample* added = merged.add_samples();
    *added = sample;
    if (!sample.warmup()) added->set_index(round);
  }
  if (round_result.status() != v1::JOB_STATUS_OK) {
    merged.set_status(round_result.status());
    merged.set_error(absl::StrCat("repetition ", round + 1, ": ", round_result.error()));
  }
}

// Interleaved order (the default): `repetitions` rounds; each round runs every job once with
// one measured repetition after its warm-ups, in a fresh runner, in an order shuffled per round
// (seeded by the round number, so a plan always runs in the same order). A job that failed is
// not run again; the samples it measured before are kept. With target_cv, more rounds follow
// for the jobs whose CV is still above it (auto_repeat.h: JobsForNextRound).
std::vector<v1::JobResult> RunInterleaved(const v1::Plan& plan, const std::vector<PlannedJob>& jobs,
                                          const ConnectedWorker& worker, RunCanceller* canceller,
                                          Emitter& emitter) {
  const absl::Time start = absl::Now();
  const AutoRepeat rule = AutoRepeatOf(plan);
  std::vector<v1::JobResult> merged;
  std::vector<JobRounds> states(jobs.size());
  std::vector<int> rounds_run(jobs.size(), 0);
  for (const PlannedJob& planned : jobs) {
    merged.push_back(planned.skip_reason.empty() ? ResultShell(planned.job, worker)
                                                 : SkippedResult(planned, worker));
    if (planned.skip_reason.empty()) merged.back().set_status(v1::JOB_STATUS_OK);
  }
  for (int round = 0;; ++round) {
    for (size_t i = 0; i < jobs.size(); ++i) {
      states[i].ok = merged[i].status() == v1::JOB_STATUS_OK &&
                     CountMeasured(merged[i]) == rounds_run[i];
    }
    std::vector<size_t> order = JobsForNextRound(states, round, absl::Now() - start, rule);
    if (order.empty() || (canceller != nullptr && canceller->cancelled())) break;
    std::mt19937 shuffle_seed(static_cast<uint32_t>(round));
    std::shuffle(order.begin(), order.end(), shuffle_seed);
    // Progress counts against the plan's rounds, then against the most auto-repeat may add.
    const Round where{round, round < rule.repetitions ? rule.repetitions : rule.max_repetitions};
    for (size_t i : order) {
      if (canceller != nullptr && canceller->cancelled()) break;
      if (merged[i].status() != v1::JOB_STATUS_OK) continue;
      v1::Job job = jobs[i].job;
      job.set_job_id(absl::StrCat(job.job_id(), "#", round + 1));
      job.set_repetitions(1);
      ++rounds_run[i];
      MergeRound(RunOneJob(worker, job, canceller, emitter, &where), round, merged[i]);
      EmitPartial(merged[i], rounds_run[i], emitter);
      for (const v1::Sample& sample : merged[i].samples()) {
        if (!sample.warmup() && sample.index() == round) {
          states[i].walls.push_back(static_cast<double>(sample.wall_ns()));
        }
      }
    }
  }
  for (size_t i = 0; i < merged.size(); ++i) {
    v1::JobResult& result = merged[i];
    // A job that stopped early because it met its target has fewer rounds, but never fewer
    // than the plan's `repetitions`.
    const int expected = std::max(rounds_run[i], rule.repetitions);
    if (result.status() == v1::JOB_STATUS_OK && CountMeasured(result) != expected) {
      result.set_status(v1::JOB_STATUS_CANCELLED);
      result.set_error(absl::StrCat("cancelled after ", CountMeasured(result), " of ", expected,
                                    " repetitions"));
    }
    EmitResult(result, emitter);
  }
  return merged;
}

std::vector<v1::JobResult> RunWorker(const v1::Plan& plan, const ConnectedWorker& worker,
                                     const std::string& job_id_prefix, RunCanceller* canceller,
                                     Emitter& emitter) {
  std::vector<PlannedJob> jobs = PlanJobs(plan, worker.description, job_id_prefix);
  if (plan.order() == v1::REPETITION_ORDER_GROUPED) {
    return RunGrouped(jobs, worker, canceller, emitter);
  }
  return RunInterleaved(plan, jobs, worker, canceller, emitter);
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
      std::vector<ConnectedWorker> workers,
      ConnectWorkers(worker_addresses, options.connect_timeout, options.canceller));
  // Cluster: plan.select keeps the labelled workers; shard mode splits the tasks over them.
  PARLAB_RETURN_IF_ERROR(KeepSelected(plan.select(), workers));
  for (ConnectedWorker& worker : workers) worker.health->timeout = options.heartbeat_timeout;
  for (const ConnectedWorker& worker : workers) {
    PARLAB_RETURN_IF_ERROR(CheckWorkerHasPlan(plan, worker.description));
  }
  if (plan.mode() == v1::RUN_MODE_SHARD) {
    PARLAB_RETURN_IF_ERROR(CheckShardable(plan, workers.size()));
  }

  RunOutcome outcome;
  outcome.run_id = options.run_id.empty() ? NewRunId() : options.run_id;
  Emitter emitter(on_event);
  {
    std::vector<v1::WorkerDescription> described;
    for (const ConnectedWorker& worker : workers) described.push_back(worker.description);
    emitter.Emit(RunStartedEvent(outcome.run_id, ComputeRunTotals(plan, described)));
  }
  for (const ConnectedWorker& worker : workers) {
    outcome.workers.push_back(worker.description);
    v1::RunEvent event;
    *event.mutable_worker() = worker.description;
    emitter.Emit(event);
  }

  std::vector<std::vector<v1::JobResult>> per_worker(workers.size());
  if (plan.mode() == v1::RUN_MODE_SHARD) {
    per_worker.assign(1, RunShards(
        plan, workers, absl::StrCat(outcome.run_id, "/"), options.canceller,
        [&](const ConnectedWorker& worker, const v1::Job& job, int round, int rounds) {
          const Round where{round, rounds};
          return RunOneJob(worker, job, options.canceller, emitter, round < 0 ? nullptr : &where);
        },
        [&](const v1::JobResult& result) { EmitResult(result, emitter); }));
  } else {
    std::vector<std::thread> threads;
    for (size_t i = 0; i < workers.size(); ++i) {
      threads.emplace_back([&, i] {
        std::string prefix = absl::StrCat(outcome.run_id, "/w", i, "/");
        per_worker[i] = RunWorker(plan, workers[i], prefix, options.canceller, emitter);
      });
    }
    for (std::thread& thread : threads) thread.join();
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

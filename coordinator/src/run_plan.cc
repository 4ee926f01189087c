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
#include "parlab/coordinator/plan.h"
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

v1::JobResult ResultShell(const v1::Job& job, const ConnectedWorker& worker) {
  v1::JobResult result;
  result.set_job_id(job.job_id());
  result.set_model(job.model());
  result.set_concurrency(job.concurrency());
  result.set_machine(worker.description.machine().hostname());
  result.set_worker_address(worker.address);
  return result;
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
  v1::RunEvent started;
  started.mutable_job_started()->set_worker(worker.address);
  started.mutable_job_started()->set_model(job.model());
  started.mutable_job_started()->set_concurrency(job.concurrency());
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

  v1::JobResult result = shell;
  if (reported.has_value()) {
    result = *std::move(reported);
    // Identity fields come from what we asked for; the worker may leave them empty.
    result.set_job_id(job.job_id());
    result.set_model(job.model());
    result.set_concurrency(job.concurrency());
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
// not run again; the samples it measured before are kept.
std::vector<v1::JobResult> RunInterleaved(const v1::Plan& plan, const std::vector<PlannedJob>& jobs,
                                          const ConnectedWorker& worker, RunCanceller* canceller,
                                          Emitter& emitter) {
  std::vector<v1::JobResult> merged;
  for (const PlannedJob& planned : jobs) {
    merged.push_back(planned.skip_reason.empty() ? ResultShell(planned.job, worker)
                                                 : SkippedResult(planned, worker));
    if (planned.skip_reason.empty()) merged.back().set_status(v1::JOB_STATUS_OK);
  }
  std::vector<size_t> order(jobs.size());
  std::iota(order.begin(), order.end(), 0);
  const int rounds = plan.repetitions();
  for (int round = 0; round < rounds; ++round) {
    std::mt19937 shuffle_seed(static_cast<uint32_t>(round));
    std::shuffle(order.begin(), order.end(), shuffle_seed);
    for (size_t i : order) {
      if (canceller != nullptr && canceller->cancelled()) break;
      if (merged[i].status() != v1::JOB_STATUS_OK) continue;
      v1::Job job = jobs[i].job;
      job.set_job_id(absl::StrCat(job.job_id(), "#", round + 1));
      job.set_repetitions(1);
      const Round where{round, rounds};
      MergeRound(RunOneJob(worker, job, canceller, emitter, &where), round, merged[i]);
    }
  }
  for (v1::JobResult& result : merged) {
    if (result.status() == v1::JOB_STATUS_OK && CountMeasured(result) != rounds) {
      result.set_status(v1::JOB_STATUS_CANCELLED);
      result.set_error(absl::StrCat("cancelled after ", CountMeasured(result), " of ", rounds,
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
  for (const ConnectedWorker& worker : workers) {
    PARLAB_RETURN_IF_ERROR(CheckWorkerHasPlan(plan, worker.description));
  }

  RunOutcome outcome;
  outcome.run_id = options.run_id.empty() ? NewRunId() : options.run_id;
  Emitter emitter(on_event);
  for (const ConnectedWorker& worker : workers) {
    outcome.workers.push_back(worker.description);
    v1::RunEvent event;
    *event.mutable_worker() = worker.description;
    emitter.Emit(event);
  }

  std::vector<std::vector<v1::JobResult>> per_worker(workers.size());
  {
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

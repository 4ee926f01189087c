#include "parlab/runner/job_runner.h"

#include <sys/resource.h>

#include <cstdio>
#include <memory>

#include "absl/strings/str_cat.h"
#include "parlab/common/clock.h"
#include "parlab/runner/affinity.h"
#include "parlab/runner/cancel.h"
#include "parlab/runner/host_job.h"
#include "parlab/runner/sharded_workload.h"
#include "parlab/workloads/workload.h"

namespace parlab::runner {
namespace {

int64_t ToNs(const timeval& tv) { return int64_t{tv.tv_sec} * 1'000'000'000 + tv.tv_usec * 1000; }

// Self + waited-for children: process models' CPU time shows up once their children are reaped.
struct Usage {
  int64_t user_ns = 0, system_ns = 0, voluntary = 0, involuntary = 0, max_rss_kib = 0;
  int64_t children_max_rss_kib = 0;  // the largest waited-for child's peak
};

Usage ReadUsage() {
  rusage self{}, children{};
  getrusage(RUSAGE_SELF, &self);
  getrusage(RUSAGE_CHILDREN, &children);
  Usage u;
  u.user_ns = ToNs(self.ru_utime) + ToNs(children.ru_utime);
  u.system_ns = ToNs(self.ru_stime) + ToNs(children.ru_stime);
  u.voluntary = self.ru_nvcsw + children.ru_nvcsw;
  u.involuntary = self.ru_nivcsw + children.ru_nivcsw;
  u.max_rss_kib = self.ru_maxrss;  // Linux reports KiB
  u.children_max_rss_kib = children.ru_maxrss;
  return u;
}

void Emit(const EventSink& sink, const v1::JobProgress& progress) {
  v1::RunnerEvent event;
  *event.mutable_progress() = progress;
  sink(event);
}

// One repetition: run() timed, then checked. Returns the sample or the failure.
absl::StatusOr<v1::Sample> RunOnce(const Plugin& plugin, HostJob& host,
                                   workloads::Workload& workload) {
  const parlab_model_entry_t& model = *plugin.entry;
  const uint64_t task_count = workload.task_count();
  parlab_error_t error{};
  host.ResetCompleted();
  if (absl::Status reset = workload.ResetForRepetition(); !reset.ok()) return reset;
  // A model may have pinned this thread as one of its units: start each run() unpinned.
  if (const Placement* placement = host.placement()) placement->BindThreadToAll();
  const Usage before = ReadUsage();
  const int64_t start = MonotonicNowNs();
  const int32_t rc = model.run(host.job(), &error);
  const int64_t end = MonotonicNowNs();
  const int64_t wall = end - start;
  const Usage after = ReadUsage();

  error.message[sizeof(error.message) - 1] = '\0';  // never trust the plugin's termination
  if (rc == PARLAB_CANCELLED || (rc != PARLAB_OK && IsCancelled())) {
    return absl::CancelledError("cancelled");
  }
  if (rc != PARLAB_OK) {
    const std::string message =
        error.message[0] != '\0' ? error.message : "run() failed without a message";
    return absl::InternalError(absl::StrCat("model ", model.name, ": ", message));
  }
  // A wrong answer is an error, never a timing: a run that skipped or repeated tasks is one.
  const uint64_t completed = host.completed();
  if (completed != task_count) {
    return absl::InternalError(absl::StrCat("model ", model.name, ": run() returned OK but ",
                                            completed, " task completions were verified, expected ",
                                            task_count));
  }
  const workloads::RepetitionTimes times{start, end};
  if (absl::Status verified = workload.VerifyRepetition(times); !verified.ok()) return verified;
  v1::Sample sample;
  for (const auto& [name, value] : workload.CollectMetrics(times)) {
    (*sample.mutable_metrics())[name] = value;
  }
  sample.set_wall_ns(wall);
  sample.set_user_ns(after.user_ns - before.user_ns);
  sample.set_system_ns(after.system_ns - before.system_ns);
  sample.set_voluntary_ctx_switches(after.voluntary - before.voluntary);
  sample.set_involuntary_ctx_switches(after.involuntary - before.involuntary);
  sample.set_max_rss_kib(after.max_rss_kib);
  sample.set_children_max_rss_kib(after.children_max_rss_kib);
  sample.set_tasks(completed);
  return sample;
}

// One stderr line, so that a run's log shows where its units ran (and tests can check it).
void LogAffinity(const Placement& placement, absl::string_view suffix) {
  if (placement.affinity() == Affinity::kNone) return;
  std::fprintf(stderr, "parlab-runner: affinity %s%s\n", placement.Describe().c_str(),
               std::string(suffix).c_str());
}

JobOutcome Fail(const EventSink& sink, const absl::Status& status) {
  if (absl::IsCancelled(status)) {
    ReportError(sink, "cancelled");
    return JobOutcome::kCancelled;
  }
  return ReportError(sink, status.message());
}

}  // namespace

absl::Status ValidateJob(const v1::Job& job, const parlab_model_entry_t& model) {
  if (absl::Status fits = CheckJobFitsModel(job, model.name, model.max_concurrency); !fits.ok()) {
    return fits;
  }
  if (absl::StatusOr<Affinity> affinity = ParseAffinity(job.affinity()); !affinity.ok()) {
    return affinity.status();
  }
  if (!job.model().empty() && job.model() != model.name) {
    return absl::InvalidArgumentError(absl::StrCat("job.model: the plugin is model \"", model.name,
                                                   "\", got \"", job.model(), "\""));
  }
  return absl::OkStatus();
}

JobOutcome ReportError(const EventSink& sink, absl::string_view message) {
  v1::RunnerEvent event;
  event.set_error(std::string(message));
  sink(event);
  return JobOutcome::kFailed;
}

JobOutcome CheckWorkload(const v1::Job& job, const EventSink& sink) {
  absl::StatusOr<workloads::WorkloadCapabilities> caps =
      workloads::CapabilitiesOf(job.workload().kind());
  if (!caps.ok()) return Fail(sink, caps.status());
  absl::StatusOr<std::unique_ptr<workloads::Workload>> workload =
      workloads::CreateWorkload(job.workload());
  if (!workload.ok()) return Fail(sink, workload.status());
  if (caps->worker_check) {
    if (absl::Status prepared = (*workload)->Prepare(); !prepared.ok()) {
      return Fail(sink, prepared);
    }
  }
  v1::RunnerEvent done;
  done.set_done(true);
  sink(done);
  return JobOutcome::kDone;
}

JobOutcome RunJob(const v1::Job& job, const Plugin& plugin, const EventSink& sink) {
  if (absl::Status valid = ValidateJob(job, *plugin.entry); !valid.ok()) return Fail(sink, valid);
  absl::StatusOr<std::unique_ptr<workloads::Workload>> workload =
      workloads::CreateWorkload(job.workload());
  if (!workload.ok()) return Fail(sink, workload.status());
  // Shard mode: only this shard's tasks, at their global indices (sharded_workload.h).
  workload = ShardWorkload(*std::move(workload), job);
  if (!workload.ok()) return Fail(sink, workload.status());
  workloads::ModelBounds bounds;
  bounds.name = plugin.entry->name;
  bounds.concurrency = static_cast<uint32_t>(job.concurrency());
  bounds.max_concurrency = plugin.entry->max_concurrency;
  bounds.bounds_threads = ConcurrencyBoundsOf(*plugin.entry) == PARLAB_BOUNDS_THREADS;
  if (absl::Status fits = (*workload)->CheckModel(bounds); !fits.ok()) return Fail(sink, fits);
  if (absl::Status prepared = (*workload)->Prepare(); !prepared.ok()) {
    return Fail(sink, prepared);
  }
  absl::StatusOr<std::unique_ptr<HostJob>> host =
      HostJob::Create(**workload, static_cast<uint32_t>(job.concurrency()), plugin.entry->name);
  if (!host.ok()) return Fail(sink, host.status());
  absl::StatusOr<Placement> placement =
      Placement::ForJob(job.affinity(), static_cast<uint32_t>(job.concurrency()));
  if (!placement.ok()) return Fail(sink, placement.status());
  if (absl::Status bound = placement->BindProcess(); !bound.ok()) return Fail(sink, bound);
  (*host)->SetPlacement(&*placement);
  LogAffinity(*placement, "");

  struct Phase {
    const char* name;
    int32_t repetitions;
    bool warmup;
  };
  for (const Phase& phase :
       {Phase{"warmup", job.warmup(), true}, Phase{"measure", job.repetitions(), false}}) {
    for (int32_t rep = 0; rep < phase.repetitions; ++rep) {
      if (IsCancelled()) return Fail(sink, absl::CancelledError());
      v1::JobProgress progress;
      progress.set_phase(phase.name);
      progress.set_repetition(rep);
      progress.set_repetitions(phase.repetitions);
      Emit(sink, progress);

      absl::StatusOr<v1::Sample> sample = RunOnce(plugin, **host, **workload);
      if (!sample.ok()) return Fail(sink, sample.status());
      sample->set_index(rep);
      sample->set_warmup(phase.warmup);
      v1::RunnerEvent event;
      *event.mutable_sample() = *std::move(sample);
      sink(event);
    }
  }
  LogAffinity(*placement, absl::StrCat("; bind_unit called ", placement->bind_calls(), " times"));
  v1::RunnerEvent done;
  done.set_done(true);
  sink(done);
  return JobOutcome::kDone;
}

}  // namespace parlab::runner

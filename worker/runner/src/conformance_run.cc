#include "conformance_run.h"

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <memory>
#include <thread>

#include "parlab/common/shared_page.h"
#include "parlab/runner/cancel.h"
#include "parlab/runner/host_job.h"
#include "parlab/workloads/workload.h"

namespace parlab::runner {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::duration_cast;
using std::chrono::milliseconds;

// In a MAP_SHARED page: process models run tasks in forked children.
struct InFlight {
  std::atomic<uint32_t> now{0};
  std::atomic<uint32_t> peak{0};
};

// A parlab_job_t that forwards every callback to the HostJob's and counts tasks in flight.
// Like the HostJob's, it sets every field of the newest job struct, whatever the plugin's
// version.
class CountingJob {
 public:
  // `counts_page` holds at least an InFlight.
  CountingJob(const parlab_job_t* inner, SharedMapping counts_page)
      : inner_(inner),
        counts_page_(std::move(counts_page)),
        counts_(counts_page_.Construct<InFlight>()) {
    job_ = *inner;
    job_.host = this;
    job_.run_task = &RunTask;
    job_.step_task = &StepTask;
    job_.is_cancelled = &IsCancelledCb;
    job_.log = &Log;
    job_.bind_unit = &BindUnit;
  }
  CountingJob(const CountingJob&) = delete;
  CountingJob& operator=(const CountingJob&) = delete;

  const parlab_job_t* job() const { return &job_; }
  uint32_t peak() const { return counts_->peak.load(); }

 private:
  static CountingJob& From(const parlab_job_t* job) {
    return *static_cast<CountingJob*>(job->host);
  }
  void Enter() {
    const uint32_t now = counts_->now.fetch_add(1) + 1;
    uint32_t peak = counts_->peak.load();
    while (now > peak && !counts_->peak.compare_exchange_weak(peak, now)) {
    }
  }
  void Leave() { counts_->now.fetch_sub(1); }

  static int32_t RunTask(const parlab_job_t* job, uint64_t index, parlab_error_t* error) {
    CountingJob& self = From(job);
    self.Enter();
    const int32_t status = self.inner_->run_task(self.inner_, index, error);
    self.Leave();
    return status;
  }
  // A stepped task is in flight from its first step to the step that ends it.
  static int32_t StepTask(const parlab_job_t* job, uint64_t index, void** state,
                          parlab_wait_t* wait, parlab_error_t* error) {
    CountingJob& self = From(job);
    if (*state == nullptr) self.Enter();
    const int32_t status = self.inner_->step_task(self.inner_, index, state, wait, error);
    if (status != PARLAB_STEP_WAIT) self.Leave();
    return status;
  }
  static int32_t IsCancelledCb(const parlab_job_t* job) {
    const parlab_job_t* inner = From(job).inner_;
    return inner->is_cancelled(inner);
  }
  static void Log(const parlab_job_t* job, const char* message) {
    const parlab_job_t* inner = From(job).inner_;
    inner->log(inner, message);
  }
  static void BindUnit(const parlab_job_t* job, uint32_t unit) {
    const parlab_job_t* inner = From(job).inner_;
    inner->bind_unit(inner, unit);
  }

  const parlab_job_t* inner_;
  SharedMapping counts_page_;
  InFlight* counts_ = nullptr;
  parlab_job_t job_;
};

// Cancels the way the worker daemon does: SIGTERM to the whole process group, so children a
// process model forked set their flag too. Only when we lead our group (the CLI starts us so);
// otherwise the group is someone else's and only our own flag is set.
void CancelLikeTheDaemon() {
  if (getpgrp() == getpid()) {
    kill(0, SIGTERM);
  } else {
    RequestCancel();
  }
}

// Threads and children still alive after run(), polled for a moment: a thread whose join()
// returned may take microseconds to leave /proc.
UnitCounts Leftovers(const UnitCounts& baseline) {
  UnitCounts left;
  for (int attempt = 0; attempt < 50; ++attempt) {
    const UnitCounts now = CountUnits();
    left = {std::max(0, now.threads - baseline.threads), now.children};
    if (left.threads == 0 && left.children == 0) break;
    std::this_thread::sleep_for(milliseconds(10));
  }
  return left;
}

}  // namespace

absl::StatusOr<ConformanceRun> RunObserved(const Plugin& plugin, const ConformanceJob& job) {
  absl::StatusOr<std::unique_ptr<workloads::Workload>> workload =
      workloads::CreateWorkload(job.workload);
  if (!workload.ok()) return workload.status();
  if (absl::Status prepared = (*workload)->Prepare(); !prepared.ok()) return prepared;
  absl::StatusOr<std::unique_ptr<HostJob>> host =
      HostJob::Create(**workload, job.concurrency, plugin.entry->name);
  if (!host.ok()) return host.status();
  absl::StatusOr<SharedMapping> counts_page = SharedMapping::Create(sizeof(InFlight));
  if (!counts_page.ok()) return counts_page.status();
  CountingJob counting((*host)->job(), *std::move(counts_page));
  ResetCancel();

  std::atomic<int64_t> cancelled_at_ns{-1};
  SamplerOptions options;
  options.on_hang = job.on_hang;
  options.hang_after = job.hang_after;
  if (job.cancel_after.count() > 0) {
    options.action_after = job.cancel_after;
    options.action = [&cancelled_at_ns] {
      cancelled_at_ns = Clock::now().time_since_epoch().count();
      CancelLikeTheDaemon();
    };
  }
  ConformanceRun run;
  run.task_count = (*workload)->task_count();
  parlab_error_t error{};
  UnitSampler sampler(std::move(options));
  const UnitCounts baseline = CountUnits();
  const Clock::time_point start = Clock::now();
  run.status = plugin.entry->run(counting.job(), &error);
  const Clock::time_point end = Clock::now();
  sampler.Disarm();
  run.leftover = Leftovers(baseline);
  const UnitCounts peak = sampler.Stop();

  error.message[sizeof(error.message) - 1] = '\0';
  run.error = error.message;
  run.completed = (*host)->completed();
  run.peak_in_flight = counting.peak();
  run.extra_threads = std::max(0, peak.threads - baseline.threads);
  run.peak_children = peak.children;
  run.wall = duration_cast<milliseconds>(end - start);
  if (const int64_t at = cancelled_at_ns.load(); at >= 0) {
    run.cancel_to_return =
        duration_cast<milliseconds>(end - Clock::time_point(Clock::duration(at)));
  }
  ResetCancel();
  return run;
}

}  // namespace parlab::runner

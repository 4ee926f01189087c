#include "parlab/worker/job_executor.h"

#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "parlab/worker/runner_process.h"

namespace parlab {
namespace {

// How often a silent runner is checked for cancellation and for having died.
constexpr absl::Duration kPollInterval = absl::Milliseconds(100);
// After a runner's last word (done / error / EOF) it only has to unload and exit.
constexpr absl::Duration kExitGrace = absl::Seconds(10);
// Time a cancelled runner gets to stop its model before SIGKILL.
constexpr absl::Duration kCancelGrace = absl::Seconds(2);

// What the runner told us over the pipe.
struct RunnerReport {
  bool done = false;
  bool cancelled = false;
  std::string error;         // from an error event
  std::string stream_error;  // the pipe broke or carried garbage
};

// Reads events until the runner closes its stdout, dies, or the job is cancelled.
RunnerReport ReadEvents(RunnerProcess& runner, v1::JobResult& result, const JobEventSink& emit,
                        const CancelCheck& cancelled) {
  RunnerReport report;
  v1::RunnerEvent event;
  absl::Duration wait = kPollInterval;
  bool exited = false;
  while (true) {
    if (cancelled()) {
      report.cancelled = true;
      return report;
    }
    absl::StatusOr<RunnerProcess::Read> got = runner.Next(&event, wait);
    if (!got.ok()) {
      report.stream_error = std::string(got.status().message());
      return report;
    }
    if (*got == RunnerProcess::Read::kEnd) return report;
    if (*got == RunnerProcess::Read::kTimeout) {
      // A dead runner whose forked children still hold the pipe would never give us EOF. But
      // it may have written its last frames (sample, done) just after the poll gave up and
      // then exited: read what the pipe holds, without waiting for more, before giving up.
      if (exited) return report;
      exited = runner.HasExited();
      if (exited) wait = absl::ZeroDuration();
      continue;
    }
    v1::JobEvent out;
    switch (event.event_case()) {
      case v1::RunnerEvent::kProgress:
        *out.mutable_progress() = event.progress();
        break;
      case v1::RunnerEvent::kSample:
        *result.add_samples() = event.sample();
        *out.mutable_sample() = event.sample();
        break;
      case v1::RunnerEvent::kError:
        report.error = event.error();
        continue;
      case v1::RunnerEvent::kDone:
        report.done = event.done();
        continue;
      default:
        continue;  // descriptions and unknown future events mean nothing to a job
    }
    if (!emit(out)) {
      report.cancelled = true;
      return report;
    }
  }
}

}  // namespace

v1::JobResult ExecuteJob(const JobTarget& target, const v1::Job& job, const JobEventSink& emit,
                         const CancelCheck& cancelled) {
  v1::JobResult result;
  result.set_job_id(job.job_id());
  result.set_model(job.model());
  result.set_concurrency(job.concurrency());
  result.set_machine(target.machine);
  result.set_worker_address(target.worker_address);
  const std::string who = absl::StrCat("runner for model ", job.model());

  absl::StatusOr<std::unique_ptr<RunnerProcess>> spawned =
      RunnerProcess::Spawn(target.runner_path, {"--job", "--plugin", target.plugin_path});
  if (!spawned.ok()) {
    result.set_status(v1::JOB_STATUS_FAILED);
    result.set_error(std::string(spawned.status().message()));
    return result;
  }
  RunnerProcess& runner = **spawned;
  // A failed write means the runner is already gone; how it ended tells the real story.
  absl::Status sent = runner.SendFrame(job);
  runner.CloseStdin();

  RunnerReport report = ReadEvents(runner, result, emit, cancelled);
  const RunnerExit exit = (report.cancelled || !report.stream_error.empty())
                              ? runner.Terminate(kCancelGrace)
                              : runner.Finish(kExitGrace);

  result.set_status(v1::JOB_STATUS_FAILED);
  if (report.cancelled) {
    result.set_status(v1::JOB_STATUS_CANCELLED);
    result.set_error(absl::StrCat("job ", job.job_id(), " (model ", job.model(),
                                  ") was cancelled; its runner was stopped"));
  } else if (!exit.exited) {
    result.set_error(
        WithRunnerStderr(absl::StrCat(who, " ", exit.ToString()), runner.stderr_tail()));
  } else if (!report.error.empty()) {
    result.set_error(report.error);
  } else if (!report.stream_error.empty()) {
    result.set_error(WithRunnerStderr(
        absl::StrCat(who, ": bad event stream (", report.stream_error, "), ", exit.ToString()),
        runner.stderr_tail()));
  } else if (!report.done || exit.code != 0) {
    std::string why = absl::StrCat(who, " ", exit.ToString(),
                                   report.done ? " after reporting done" : " without a result");
    if (!sent.ok()) absl::StrAppend(&why, " (sending the job failed: ", sent.message(), ")");
    result.set_error(WithRunnerStderr(why, runner.stderr_tail()));
  } else {
    result.set_status(v1::JOB_STATUS_OK);
  }
  return result;
}

}  // namespace parlab

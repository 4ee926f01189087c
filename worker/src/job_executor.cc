#include "parlab/worker/job_executor.h"

#include <stdlib.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "parlab/worker/runner_process.h"

namespace parlab {
namespace {

// How often a silent runner is checked for cancellation and for having died.
constexpr absl::Duration kPollInterval = absl::Milliseconds(100);
// After a runner's last word (done / error / EOF) it only has to unload and exit.
constexpr absl::Duration kExitGrace = absl::Seconds(10);
// Time a cancelled runner gets to stop its model before SIGKILL.
constexpr absl::Duration kCancelGrace = absl::Seconds(2);

extern "C" char** environ;

// What the runner told us over the pipe.
struct RunnerReport {
  bool done = false;
  bool cancelled = false;
  bool timed_out = false;    // still running at the job's deadline
  std::string error;         // from an error event
  std::string stream_error;  // the pipe broke or carried garbage
};

// Reads events until the runner closes its stdout, dies, or the job is cancelled.
RunnerReport ReadEvents(RunnerProcess& runner, v1::JobResult& result, const JobEventSink& emit,
                        const CancelCheck& cancelled, absl::Time deadline) {
  RunnerReport report;
  v1::RunnerEvent event;
  absl::Duration wait = kPollInterval;
  bool exited = false;
  while (true) {
    if (cancelled()) {
      report.cancelled = true;
      return report;
    }
    // A stopped or deadlocked runner writes nothing and never exits: only the clock ends it.
    if (absl::Now() >= deadline) {
      report.timed_out = true;
      return report;
    }
    absl::StatusOr<RunnerProcess::Read> got =
        runner.Next(&event, std::min(wait, std::max(deadline - absl::Now(), absl::ZeroDuration())));
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

// A fresh directory for one job's scratch files, under `root` (or $TMPDIR, or /tmp).
absl::StatusOr<std::string> MakeScratchDir(const std::string& root) {
  std::string base = root;
  if (base.empty()) {
    const char* tmpdir = getenv("TMPDIR");
    base = tmpdir != nullptr && *tmpdir != '\0' ? tmpdir : "/tmp";
  }
  std::string templ = absl::StrCat(base, "/parlab-job-XXXXXX");
  if (mkdtemp(templ.data()) == nullptr) {
    return absl::FailedPreconditionError(absl::StrCat("cannot create the job's scratch directory ",
                                                      templ, ": ", std::strerror(errno)));
  }
  return templ;
}

// Our environment with TMPDIR pointing at the job's scratch directory.
std::vector<std::string> RunnerEnvironment(const std::string& scratch) {
  std::vector<std::string> env;
  for (char** entry = environ; *entry != nullptr; ++entry) {
    if (!absl::StartsWith(*entry, "TMPDIR=")) env.emplace_back(*entry);
  }
  env.push_back(absl::StrCat("TMPDIR=", scratch));
  return env;
}

// Removes the scratch directory when the job ends, on every path out of ExecuteJob (the
// runner has been reaped and its group killed by then: nothing writes there any more).
struct ScratchDir {
  std::string path;
  ~ScratchDir() {
    std::error_code ignored;
    if (!path.empty()) std::filesystem::remove_all(path, ignored);
  }
};

std::string FormatSeconds(double seconds) { return absl::StrCat(seconds); }

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

  absl::StatusOr<std::string> scratch_path = MakeScratchDir(target.scratch_root);
  if (!scratch_path.ok()) {
    result.set_status(v1::JOB_STATUS_FAILED);
    result.set_error(std::string(scratch_path.status().message()));
    return result;
  }
  const ScratchDir scratch{*scratch_path};
  // After the scratch directory: everything in the cgroup is dead before the directory goes.
  absl::StatusOr<ConfinedRunner> confined =
      SpawnConfinedRunner(target.runner_path, {"--job", "--plugin", target.plugin_path},
                          RunnerEnvironment(scratch.path), target.confinement);
  if (!confined.ok()) {
    result.set_status(v1::JOB_STATUS_FAILED);
    result.set_error(std::string(confined.status().message()));
    return result;
  }
  RunnerProcess& runner = *confined->process;
  // A failed write means the runner is already gone; how it ended tells the real story.
  absl::Status sent = runner.SendFrame(job);
  runner.CloseStdin();

  const absl::Time deadline = job.job_timeout_s() > 0
                                  ? absl::Now() + absl::Seconds(job.job_timeout_s())
                                  : absl::InfiniteFuture();
  RunnerReport report = ReadEvents(runner, result, emit, cancelled, deadline);
  // A runner past its deadline gets no grace: SIGKILL reaches a stopped process group too.
  const RunnerExit exit = report.timed_out ? runner.Terminate(absl::ZeroDuration())
                          : (report.cancelled || !report.stream_error.empty())
                              ? runner.Terminate(kCancelGrace)
                              : runner.Finish(kExitGrace);
  // What the runner's group did not take with it (a child that left the group) dies here; and
  // a limit the cgroup enforced is the likeliest reason of a failure, so it comes first.
  const std::string limit_hit = confined->KillLeftovers();

  result.set_status(v1::JOB_STATUS_FAILED);
  if (report.timed_out) {
    result.set_error(absl::StrCat("job timed out after ", FormatSeconds(job.job_timeout_s()),
                                  " s (job_timeout_s); its runner was killed"));
  } else if (report.cancelled) {
    result.set_status(v1::JOB_STATUS_CANCELLED);
    result.set_error(absl::StrCat("job ", job.job_id(), " (model ", job.model(),
                                  ") was cancelled; its runner was stopped"));
  } else if (!exit.exited) {
    std::string why = absl::StrCat(who, " ", exit.ToString());
    if (!target.limits_description.empty()) {
      absl::StrAppend(&why, " (the job's limits: ", target.limits_description, ")");
    }
    result.set_error(WithRunnerStderr(why, runner.stderr_tail()));
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
  if (result.status() == v1::JOB_STATUS_FAILED && !limit_hit.empty()) {
    result.set_error(absl::StrCat(limit_hit, ": ", result.error()));
  }
  return result;
}

}  // namespace parlab

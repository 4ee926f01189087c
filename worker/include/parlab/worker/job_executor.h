// Runs one job in a fresh runner process and turns what the runner reports (and how it ended)
// into a JobResult. No gRPC here: the service adapts `emit` and `cancelled` to its stream.
//
//   JobTarget target{.runner_path = runner, .plugin_path = model.path(),
//                    .machine = "host", .worker_address = "127.0.0.1:50051"};
//   v1::JobResult result = ExecuteJob(target, job,
//       [&](const v1::JobEvent& e) { return writer->Write(e); },
//       [&] { return context->IsCancelled(); });
#ifndef PARLAB_WORKER_JOB_EXECUTOR_H_
#define PARLAB_WORKER_JOB_EXECUTOR_H_

#include <functional>
#include <string>
#include <vector>

#include "parlab/v1/parlab.pb.h"
#include "parlab/worker/confined_runner.h"

namespace parlab {

struct JobTarget {
  std::string runner_path;     // the parlab-runner executable
  std::string plugin_path;     // the model's .so, as the runner's --describe reported it
  std::string machine;         // copied into JobResult.machine
  std::string worker_address;  // copied into JobResult.worker_address
  // Each job gets a fresh directory under here (parlab-job-XXXXXX) as the runner's $TMPDIR,
  // removed once the runner has ended however it ended (file.write's files included).
  // Empty: $TMPDIR, else /tmp.
  std::string scratch_root;
  // The runner's flags, limits and cgroup (parlab/worker/confined_runner.h): everything left in
  // its cgroup is killed when the job ends, and a limit the cgroup enforced is named in the
  // job's error.
  RunnerConfinement confinement;
  // The limits in words ("memory limit 512 MiB (--max-job-memory)"), added to the error of a
  // runner that dies from a signal, since a limit is a likely reason. Empty: no limits.
  std::string limits_description;
};

// Receives each progress and sample event as it arrives; returns false when nobody listens any
// more (the job is then cancelled).
using JobEventSink = std::function<bool(const v1::JobEvent&)>;
// Polled about every 100 ms; true stops the job (runner group: SIGTERM, then SIGKILL).
using CancelCheck = std::function<bool()>;

// Never throws and never leaves a runner process behind (nor its scratch directory). Status: OK
// (runner said done and exited 0), FAILED (error event, crash, bad exit, or still running at
// job.job_timeout_s: "job timed out after 30 s (job_timeout_s)"; samples so far are kept) or
// CANCELLED. The runner gets a lifeline: if this process dies, the runner's group dies too.
v1::JobResult ExecuteJob(const JobTarget& target, const v1::Job& job, const JobEventSink& emit,
                         const CancelCheck& cancelled);

}  // namespace parlab

#endif  // PARLAB_WORKER_JOB_EXECUTOR_H_

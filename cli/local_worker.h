// A parlab-worker started by the CLI for a run that names no worker: spawned next to the
// `parlab` binary on 127.0.0.1:0, its address read from its "listening on" line, and stopped
// (SIGTERM, then SIGKILL after a grace period) when the object goes away — on every path,
// errors and Ctrl-C included. When we die without running any of that (kill -9), the worker
// sees its lifeline (parlab/common/lifeline.h) close and shuts down by itself.
//
//   PARLAB_ASSIGN_OR_RETURN(std::unique_ptr<LocalWorker> worker,
//                           LocalWorker::Start(DefaultWorkerPath(), /*plugins=*/"",
//                           absl::Seconds(15)));
//   RunPlan(plan, {worker->address()}, ...);
#ifndef PARLAB_COORDINATOR_CLI_LOCAL_WORKER_H_
#define PARLAB_COORDINATOR_CLI_LOCAL_WORKER_H_

#include <sys/types.h>

#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "parlab/common/lifeline.h"

namespace parlab::cli {

// <dir of /proc/self/exe>/parlab-worker.
std::string DefaultWorkerPath();

class LocalWorker {
 public:
  // Starts `worker_path --listen 127.0.0.1:0 [--plugins plugins] [--python-path dir]` in its
  // own process group (so a terminal's Ctrl-C reaches only us, and we decide how the worker
  // stops) and waits up to `timeout` for its "listening on" line. `python_path`: the plan
  // file's folder, the one place a local run's python modules may come from.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<LocalWorker>> Start(
      const std::string& worker_path, const std::string& plugins, absl::Duration timeout,
      const std::string& python_path = "");
  ~LocalWorker();
  LocalWorker(const LocalWorker&) = delete;
  LocalWorker& operator=(const LocalWorker&) = delete;

  const std::string& address() const { return address_; }
  pid_t pid() const { return pid_; }

  // SIGTERM to the worker's process group, wait up to 5 s, then SIGKILL. Idempotent.
  void Stop();

 private:
  LocalWorker(pid_t pid, int stdout_fd, int log_fd)
      : pid_(pid), stdout_fd_(stdout_fd), log_fd_(log_fd) {}
  // Copies the worker's later stdout into its log, so our stdout carries only results.
  void StartDrain();
  // The last `bytes` of what the worker wrote (its stderr and later stdout).
  std::string LogTail(size_t bytes) const;

  pid_t pid_;
  int stdout_fd_;
  // The worker is silent unless it fails: its output goes to an anonymous file (memfd) that is
  // shown only when it could not start or ended other than by our SIGTERM.
  int log_fd_;
  std::string address_;
  std::atomic<bool> stop_drain_{false};
  std::thread drain_;
  bool stopped_ = false;
  int wait_status_ = 0;               // from waitpid, once stopped
  std::optional<Lifeline> lifeline_;  // its write end lives exactly as long as we do
};

}  // namespace parlab::cli

#endif  // PARLAB_COORDINATOR_CLI_LOCAL_WORKER_H_

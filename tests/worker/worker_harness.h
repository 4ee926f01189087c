// Test helpers: start the real parlab-worker binary, read its port from the line it prints, and
// look at the processes it owns through /proc (spawning and /proc reading: tests/support).
//
//   auto worker = WorkerDaemon::Start({"--plugins", PluginDirs()});
//   ASSERT_TRUE(worker.ok()) << worker.status();
//   v1::WorkerDescription d;
//   grpc::ClientContext context;
//   ASSERT_TRUE((*worker)->stub().Describe(&context, {}, &d).ok());
#ifndef PARLAB_TESTS_WORKER_WORKER_HARNESS_H_
#define PARLAB_TESTS_WORKER_WORKER_HARNESS_H_

#include <grpcpp/grpcpp.h>
#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "parlab/v1/parlab.grpc.pb.h"
#include "support/child_process.h"

namespace parlab::testing {

// The built plugin folder and the test-plugin folder, joined with ':'.
std::string PluginDirs();

class WorkerDaemon {
 public:
  // Spawns parlab-worker with `args` (plus --listen 127.0.0.1:0) in its own process group and
  // waits up to 30 s for its line. `wrapper`: a command that runs it (setpriv, as another user).
  static absl::StatusOr<std::unique_ptr<WorkerDaemon>> Start(
      const std::vector<std::string>& args, const std::vector<std::string>& wrapper = {});
  ~WorkerDaemon();  // SIGKILL, if it still runs

  // -1 once it has exited (StopWith).
  pid_t pid() const { return child_->reaped() ? -1 : child_->pid(); }
  const std::string& address() const { return address_; }
  const std::shared_ptr<grpc::Channel>& channel() const { return channel_; }
  v1::WorkerService::Stub& stub() { return *stub_; }

  // Sends `signal` and waits up to `timeout` for the daemon to exit; returns its wait status,
  // or an error if it did not exit in time (it is then killed).
  absl::StatusOr<int> StopWith(int signal, absl::Duration timeout);

 private:
  explicit WorkerDaemon(std::unique_ptr<test_support::ChildProcess> child)
      : child_(std::move(child)) {}

  std::unique_ptr<test_support::ChildProcess> child_;  // holds its stdout open until the end
  std::string address_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::WorkerService::Stub> stub_;
};

struct Completed {
  int wait_status = 0;
  std::string out;
  std::string err;
};
// Runs parlab-worker with `args` to completion (for flag errors), capturing its output.
absl::StatusOr<Completed> RunWorkerToCompletion(const std::vector<std::string>& args);

// Pids whose parent is `parent` (read from /proc/PID/stat).
std::vector<pid_t> ChildrenOf(pid_t parent);

// True once no process is left in process group `pgid`, polling up to `timeout`.
bool WaitForGroupGone(pid_t pgid, absl::Duration timeout);

}  // namespace parlab::testing

#endif  // PARLAB_TESTS_WORKER_WORKER_HARNESS_H_

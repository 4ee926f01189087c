// One `parlab-runner` child process: spawned with posix_spawn (never fork: the daemon runs
// gRPC) in its own process group, fed through a stdin pipe, read as RunnerEvent frames from a
// stdout pipe, with the tail of its stderr kept for error messages.
//
//   PARLAB_ASSIGN_OR_RETURN(auto runner, RunnerProcess::Spawn(path, {"--job", "--plugin", so}));
//   PARLAB_RETURN_IF_ERROR(runner->SendFrame(job));
//   runner->CloseStdin();
//   v1::RunnerEvent event;
//   while (true) {
//     PARLAB_ASSIGN_OR_RETURN(auto got, runner->Next(&event, absl::Milliseconds(100)));
//     if (got == RunnerProcess::Read::kEnd) break;
//     ...
//   }
//   RunnerExit exit = runner->Finish(absl::Seconds(10));
//
// The whole process group is killed before the runner is reaped, so that processes forked by a
// process model never outlive their job (and the group id cannot have been reused yet).
#ifndef PARLAB_WORKER_RUNNER_PROCESS_H_
#define PARLAB_WORKER_RUNNER_PROCESS_H_

#include <sys/types.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "google/protobuf/message_lite.h"
#include "parlab/common/lifeline.h"
#include "parlab/v1/parlab.pb.h"

namespace parlab {

// How a runner process ended.
struct RunnerExit {
  bool exited = false;  // true: exit code in `code`; false: killed by `signal`
  int code = 0;
  int signal = 0;

  // "exited with code 1" / "died from signal 11 (SIGSEGV, Segmentation fault)".
  std::string ToString() const;
};

// `message`, then "; runner stderr: <tail>" when the runner wrote anything to stderr.
std::string WithRunnerStderr(absl::string_view message, absl::string_view stderr_tail);

class RunnerProcess {
 public:
  enum class Read { kEvent, kEnd, kTimeout };

  // How a runner is started beyond its arguments.
  struct Options {
    // The child's whole environment ("NAME=value" each); empty: ours.
    std::vector<std::string> env;
    // Hands the runner a lifeline (parlab/common/lifeline.h) as fd 3 and appends
    // "--lifeline 3" to its arguments: if this process dies, the runner's group dies too.
    bool lifeline = false;
  };

  // Starts `path` with `args` (argv[0] is `path`) in a new process group, with fresh pipes on
  // its stdin, stdout and stderr, default signal dispositions and an empty signal mask.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<RunnerProcess>> Spawn(
      const std::string& path, const std::vector<std::string>& args);
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<RunnerProcess>> Spawn(
      const std::string& path, std::vector<std::string> args, const Options& options);

  RunnerProcess(const RunnerProcess&) = delete;
  RunnerProcess& operator=(const RunnerProcess&) = delete;
  // Kills the process group and reaps the runner if that has not happened yet.
  ~RunnerProcess();

  pid_t pid() const { return pid_; }

  // Writes one frame to the runner's stdin.
  [[nodiscard]] absl::Status SendFrame(const google::protobuf::MessageLite& message);
  void CloseStdin();

  // Waits up to `timeout` for the next frame on the runner's stdout, collecting stderr on the
  // way. kEnd: the runner closed its stdout.
  [[nodiscard]] absl::StatusOr<Read> Next(v1::RunnerEvent* event, absl::Duration timeout);

  // True once the runner itself has exited (it is not reaped: see Finish()).
  bool HasExited();

  // Waits up to `grace` for the runner to exit by itself, then asks its group to stop
  // (SIGTERM), and after a further 2 s kills it (SIGKILL). Reaps it and returns how it ended.
  RunnerExit Finish(absl::Duration grace);

  // Stops the runner's group now: SIGTERM, up to `grace` to exit, then SIGKILL. Reaps it.
  RunnerExit Terminate(absl::Duration grace);

  // The last few KiB of what the runner wrote to stderr.
  const std::string& stderr_tail() const { return stderr_tail_; }

 private:
  RunnerProcess(pid_t pid, int stdin_fd, int stdout_fd, int stderr_fd)
      : pid_(pid), stdin_fd_(stdin_fd), stdout_fd_(stdout_fd), stderr_fd_(stderr_fd) {}

  // Polls the pipes until `deadline` or the runner's exit, discarding stdout (used while
  // stopping a runner, so that it never blocks on a full pipe). Returns HasExited().
  bool WaitForExit(absl::Time deadline);
  // Reads what is available on stderr into the tail; closes it at EOF.
  void DrainStderr();
  // Kills what is left of the group (the runner is a zombie or gone), then reaps the runner.
  RunnerExit Reap();

  pid_t pid_;
  int stdin_fd_;
  int stdout_fd_;
  int stderr_fd_;
  // pidfd_open(2) of the runner: readable once it exits, so WaitForExit sleeps in poll() until
  // the exit itself instead of re-checking every 10 ms (a runner that closed its pipes just
  // before it became a zombie cost its job up to 10 ms of idle time). -1 where the kernel has no
  // pidfd_open (before Linux 5.3): the 10 ms re-check then.
  int pidfd_ = -1;
  bool reaped_ = false;
  RunnerExit exit_;
  std::string stderr_tail_;
  std::optional<Lifeline> lifeline_;  // held until the runner is reaped
};

}  // namespace parlab

#endif  // PARLAB_WORKER_RUNNER_PROCESS_H_

// Child processes for the tests, written once: a program started in its own process group (with
// common/spawn.h, as the daemons start theirs) with each standard stream on a pipe, /dev/null, a
// file or ours; waited for with a timeout, signalled, killed; its output read line by line or to
// the end. A child still running when its ChildProcess goes away is killed, so a failed test
// leaves nothing behind.
//
//   absl::StatusOr<std::unique_ptr<ChildProcess>> worker = ChildProcess::Start(
//       {PARLAB_WORKER_BIN, "--listen", "127.0.0.1:0"}, {.err = Stdio::kInherit});
//   ASSERT_TRUE(worker.ok()) << worker.status();
//   absl::StatusOr<std::string> line = ReadLine((*worker)->out(), absl::Now() + absl::Seconds(20));
//   std::optional<std::string> address = ListeningAddress(*line);
//   ...
//   (*worker)->Terminate(absl::Seconds(5));
//
//   absl::StatusOr<Finished> run = RunToCompletion({PARLAB_CLI_BIN, "models"}, absl::Seconds(60));
#ifndef PARLAB_TESTS_SUPPORT_CHILD_PROCESS_H_
#define PARLAB_TESTS_SUPPORT_CHILD_PROCESS_H_

#include <sys/types.h>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace parlab::test_support {

// Where one of a child's standard streams goes.
enum class Stdio {
  kInherit,  // the test's own (a child's stderr then shows in the test's log)
  kNull,     // /dev/null
  kPipe,     // a pipe whose other end the ChildProcess holds
};

struct SpawnOptions {
  Stdio in = Stdio::kNull;
  Stdio out = Stdio::kPipe;
  Stdio err = Stdio::kPipe;
  // Non-empty: stderr goes to this file (created or truncated), whatever `err` says.
  std::string err_path;
  // "NAME=value" entries put in front of the test's environment (so they win over it).
  std::vector<std::string> env;
};

// A wait status as a shell shows it: the exit code, or 128 + the signal that killed it.
int ExitCode(int wait_status);

class ChildProcess {
 public:
  // Starts argv (argv[0] is the program's path) in a new process group, with an empty signal
  // mask and default signal handlers. The error names argv[0]: "posix_spawn /x: No such file...".
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<ChildProcess>> Start(
      const std::vector<std::string>& argv, const SpawnOptions& options = {});
  // Still running: SIGKILL to its group, then reaped. Then closes the pipe ends it holds.
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  // Its pid, which is also its process group id.
  pid_t pid() const { return pid_; }
  // Our ends of its stdin, stdout and stderr pipes; -1 when that stream is no pipe, or once
  // closed or released.
  int in() const { return in_; }
  int out() const { return out_; }
  int err() const { return err_; }
  // Closes our end of its stdin: the child reads EOF.
  void CloseIn();
  // Hands our end of the pipe to the caller, who closes it (e.g. a reader thread).
  int ReleaseOut();
  int ReleaseErr();

  // Sends `signal` to the child alone / to its whole process group (what it forked too, as a
  // terminal's Ctrl-C does). Nothing once it has been reaped.
  void Signal(int signal) const;
  void SignalGroup(int signal) const;
  // Its wait status once it has exited (it is reaped once; later calls return the same), or
  // nullopt when it still runs at the timeout.
  std::optional<int> Wait(absl::Duration timeout = absl::InfiniteDuration());
  bool reaped() const { return wait_status_.has_value(); }
  // SIGTERM to its group; SIGKILL to the group if it still runs after `grace`; reaped.
  void Terminate(absl::Duration grace);
  // SIGKILL to its group, then reaped.
  void Kill();

 private:
  ChildProcess() = default;

  pid_t pid_ = -1;
  int in_ = -1, out_ = -1, err_ = -1;
  std::optional<int> wait_status_;
};

// Reads `fd` byte by byte up to the next '\n' and returns the line without it (so nothing after
// the line is consumed). DEADLINE_EXCEEDED when no whole line came by `deadline`, UNAVAILABLE
// when the output ended first; both quote what was read.
[[nodiscard]] absl::StatusOr<std::string> ReadLine(int fd, absl::Time deadline);

// The address in a daemon's "... listening on HOST:PORT" line (whitespace stripped), or nullopt
// when the line says no such thing.
std::optional<std::string> ListeningAddress(absl::string_view line);

struct Finished {
  int wait_status = 0;
  bool timed_out = false;  // killed (SIGKILL to its group) at the timeout
  std::string out;
  std::string err;
  absl::Duration elapsed;  // from start to the end of its output
};

// Runs argv with stdin from /dev/null and both outputs captured, reading both pipes as they
// fill (a chatty child never blocks on a full pipe) until both close or `timeout` passes.
// `on_stderr` (optional) sees the stderr collected so far each time more arrives, so a test can
// act mid-run. An error only when it could not be started.
[[nodiscard]] absl::StatusOr<Finished> RunToCompletion(
    const std::vector<std::string>& argv, absl::Duration timeout,
    const std::function<void(const std::string&)>& on_stderr = nullptr);

// A command that runs the rest of an argv as `uid` (its group too, no supplementary groups)
// when the test runs as root, else nothing (the test's own user is no root already). For limits
// that bind only users other than root (RLIMIT_NPROC). Each test gets a uid of its own, so that
// tests running side by side do not share one user's count. Empty optional: root, but no
// /usr/bin/setpriv to switch with.
std::optional<std::vector<std::string>> AsOrdinaryUser(uid_t uid);

}  // namespace parlab::test_support

#endif  // PARLAB_TESTS_SUPPORT_CHILD_PROCESS_H_

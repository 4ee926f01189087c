// Child processes for the end-to-end tests: a daemon started on 127.0.0.1:0 whose address is
// read from its "listening on" line, and a command run to completion with its output captured.
// Both are thin shapes over tests/support/child_process.h.
//
//   Daemon worker({PARLAB_WORKER_BIN, "--listen", "127.0.0.1:0"});
//   ASSERT_TRUE(worker.ok()) << worker.error();
//   Completed run = RunToCompletion({PARLAB_CLI_BIN, "run", plan, "--workers", worker.address()});
#ifndef PARLAB_TESTS_E2E_PROCESS_H_
#define PARLAB_TESTS_E2E_PROCESS_H_

#include <sys/types.h>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "support/child_process.h"

namespace parlab::e2e {

class Daemon {
 public:
  // Starts argv in its own process group (stdin /dev/null, stderr the test's) and waits up to
  // 20 s for its first line.
  explicit Daemon(const std::vector<std::string>& argv) : Daemon(argv, "") {}
  // The same, its stderr written to the file `err_path` (created or truncated) when not empty.
  Daemon(const std::vector<std::string>& argv, const std::string& err_path);
  ~Daemon();  // SIGTERM to its process group, then SIGKILL after 5 s
  Daemon(const Daemon&) = delete;
  Daemon& operator=(const Daemon&) = delete;

  bool ok() const { return !address_.empty(); }
  const std::string& error() const { return error_; }
  const std::string& address() const { return address_; }
  // Its pid, which is also its process group id (-1 once killed).
  pid_t pid() const;
  // SIGKILL to its process group, now: a machine that dies mid-run.
  void Kill();
  // `signal` to the daemon alone, not its group: what `kill PID` or systemd's stop sends it.
  void Signal(int signal);
  // Its wait status once it exited within `timeout`; nullopt while it still runs.
  std::optional<int> Wait(absl::Duration timeout);

 private:
  std::unique_ptr<test_support::ChildProcess> child_;  // holds its stdout open until the end
  std::string address_;
  std::string error_;
};

struct Completed {
  int exit_code = -1;  // -1: killed (signal or timeout)
  bool timed_out = false;
  std::string out;
  std::string err;
  absl::Duration elapsed;
};

// Runs argv with stdin from /dev/null; kills it after `timeout`. `on_stderr` (optional) sees
// the stderr collected so far each time more arrives, so a test can act mid-run.
Completed RunToCompletion(const std::vector<std::string>& argv,
                          absl::Duration timeout = absl::Seconds(90),
                          const std::function<void(const std::string&)>& on_stderr = nullptr);

}  // namespace parlab::e2e

#endif  // PARLAB_TESTS_E2E_PROCESS_H_

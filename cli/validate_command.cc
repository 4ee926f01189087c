// `parlab models validate PATH.so`: the plugin is loaded only in a parlab-runner child
// (`--validate`, see worker/runner/include/parlab/runner/validate.h), never in this process,
// so a plugin that crashes or hangs costs a check, not the CLI. The runner writes
//   RUN<TAB>check  and  PASS|FAIL|SKIP<TAB>check<TAB>detail
// lines; this file prints them as a report and turns them into the exit status.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <iostream>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "local_worker.h"
#include "models_command.h"
#include "parlab/common/spawn.h"
#include "parlab/report/escape.h"

namespace parlab::cli {
namespace {

// The checks themselves bound run() (30 s each); this only catches a runner stuck elsewhere.
constexpr absl::Duration kRunnerLimit = absl::Minutes(3);

std::string RunnerPath() {
  return (std::filesystem::path(DefaultWorkerPath()).parent_path() / "parlab-runner").string();
}

// Own process group (the cancellation check signals it, reaching forked children), default
// signal handling and an empty mask (ours blocks SIGINT/SIGTERM for the signal watcher, and
// the runner's cancel handler needs SIGTERM).
absl::StatusOr<pid_t> SpawnRunner(const std::string& runner, const std::string& plugin,
                                  int stdout_fd) {
  absl::StatusOr<pid_t> pid = SpawnInOwnProcessGroup(runner, {"--validate", "--plugin", plugin},
                                                     {{stdout_fd, STDOUT_FILENO}});
  if (!pid.ok()) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot start ", runner, ": ", pid.status().message()));
  }
  return *pid;
}

std::string DescribeExit(int status) {
  if (WIFSIGNALED(status)) {
    return absl::StrCat("died from signal ", WTERMSIG(status), " (", strsignal(WTERMSIG(status)),
                        ")");
  }
  return absl::StrCat("exited with status ", WEXITSTATUS(status));
}

class ReportPrinter {
 public:
  // One line of the runner's protocol.
  void OnLine(const std::string& line) {
    std::vector<std::string> fields = absl::StrSplit(line, absl::MaxSplits('\t', 2));
    if (fields.size() == 2 && fields[0] == "RUN") {
      current_ = fields[1];
    } else if (fields.size() == 3 &&
               (fields[0] == "PASS" || fields[0] == "FAIL" || fields[0] == "SKIP")) {
      Print(fields[0], fields[1], fields[2]);
      current_.clear();
    } else if (!line.empty()) {
      std::cerr << "parlab-runner: " << line << "\n";
    }
  }
  // A check that never reported (the runner crashed, exited or was killed during it).
  void FailCurrent(const std::string& detail) {
    Print("FAIL", current_.empty() ? "runner" : current_, detail);
  }
  bool InCheck() const { return !current_.empty(); }
  bool AnyFailed() const { return !failed_.empty(); }
  int Finish() {
    const int total = passed_ + static_cast<int>(failed_.size()) + skipped_;
    if (!failed_.empty()) {
      std::cout << "FAILED: " << absl::StrJoin(failed_, ", ") << " (" << failed_.size() << " of "
                << total << " checks failed)\n";
      return kExitJobFailed;
    }
    if (passed_ == 0) {
      std::cout << "FAILED: no check passed\n";
      return kExitJobFailed;
    }
    std::cout << "OK: " << passed_ << " checks passed"
              << (skipped_ > 0 ? absl::StrCat(", ", skipped_, " skipped") : "") << "\n";
    return kExitOk;
  }

 private:
  void Print(const std::string& verdict, const std::string& check, const std::string& detail) {
    std::cout << absl::StrFormat("  %-4s  %-16s %s\n", verdict, check, detail) << std::flush;
    if (verdict == "PASS") ++passed_;
    if (verdict == "SKIP") ++skipped_;
    if (verdict == "FAIL") failed_.push_back(check);
  }

  std::string current_;
  int passed_ = 0, skipped_ = 0;
  std::vector<std::string> failed_;
};

}  // namespace

int ValidateCommand(const CliOptions& options, Interrupt& interrupt) {
  std::error_code error;
  if (!std::filesystem::is_regular_file(options.plugin_path, error)) {
    std::cerr << "parlab: models validate: " << options.plugin_path << ": no such file\n";
    return kExitUsage;
  }
  const std::string plugin = std::filesystem::absolute(options.plugin_path).string();
  int pipe_fds[2];
  if (pipe2(pipe_fds, O_CLOEXEC) != 0) {
    std::cerr << "parlab: pipe: " << strerror(errno) << "\n";
    return kExitUsage;
  }
  absl::StatusOr<pid_t> pid = SpawnRunner(RunnerPath(), plugin, pipe_fds[1]);
  close(pipe_fds[1]);
  if (!pid.ok()) {
    close(pipe_fds[0]);
    std::cerr << "parlab: " << report::EscapeControl(pid.status().message()) << "\n";
    return kExitUsage;
  }
  interrupt.local_worker_pgid = *pid;  // a second Ctrl-C kills the runner's group
  std::cout << "validating " << plugin << "\n" << std::flush;

  ReportPrinter printer;
  std::string buffer;
  const absl::Time deadline = absl::Now() + kRunnerLimit;
  bool gave_up = false;
  for (;;) {
    if (interrupt.signals.load() > 0 || absl::Now() > deadline) {
      gave_up = true;
      kill(-*pid, SIGKILL);
      break;
    }
    pollfd pfd{pipe_fds[0], POLLIN, 0};
    if (poll(&pfd, 1, 100) <= 0) continue;
    char chunk[4096];
    const ssize_t n = read(pipe_fds[0], chunk, sizeof(chunk));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    buffer.append(chunk, static_cast<size_t>(n));
    for (size_t newline; (newline = buffer.find('\n')) != std::string::npos;) {
      printer.OnLine(buffer.substr(0, newline));
      buffer.erase(0, newline + 1);
    }
  }
  close(pipe_fds[0]);
  int status = 0;
  waitpid(*pid, &status, 0);
  kill(-*pid, SIGKILL);  // anything the plugin forked and left behind
  interrupt.local_worker_pgid = 0;
  if (interrupt.signals.load() > 0) return kExitInterrupted;
  // The runner exits 0 (every check passed) or 1 (one failed) after reporting every check it
  // started. Status 1 is also how a sanitizer report or a plugin's exit(1) ends it, so the
  // status alone proves nothing: a check left open, or a 1 with no failure reported, fails.
  const bool normal_exit = WIFEXITED(status) && (WEXITSTATUS(status) == 0 ||
                                                 (WEXITSTATUS(status) == 1 && printer.AnyFailed()));
  if (gave_up) {
    printer.FailCurrent(absl::StrCat("the runner did not finish within ",
                                     absl::FormatDuration(kRunnerLimit), "; killed"));
  } else if (printer.InCheck()) {
    printer.FailCurrent(absl::StrCat("parlab-runner ", DescribeExit(status), " during this check"));
  } else if (!normal_exit) {
    printer.FailCurrent(
        absl::StrCat("parlab-runner ", DescribeExit(status), " after its last check"));
  }
  return printer.Finish();
}

}  // namespace parlab::cli

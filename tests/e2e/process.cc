#include "process.h"

#include <sys/wait.h>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace parlab::e2e {

using test_support::ChildProcess;
using test_support::Stdio;

Daemon::Daemon(const std::vector<std::string>& argv, const std::string& err_path) {
  absl::StatusOr<std::unique_ptr<ChildProcess>> child = ChildProcess::Start(
      argv,
      {.in = Stdio::kNull, .out = Stdio::kPipe, .err = Stdio::kInherit, .err_path = err_path});
  if (!child.ok()) {
    error_ = std::string(child.status().message());
    return;
  }
  child_ = *std::move(child);
  absl::StatusOr<std::string> line =
      test_support::ReadLine(child_->out(), absl::Now() + absl::Seconds(20));
  if (!line.ok()) {
    error_ =
        absl::IsDeadlineExceeded(line.status())
            ? absl::StrCat(argv[0], ": no \"listening on\" line within 20 s (",
                           line.status().message(), ")")
            : absl::StrCat(argv[0], ": exited before listening (", line.status().message(), ")");
    return;
  }
  std::optional<std::string> address = test_support::ListeningAddress(*line);
  if (!address.has_value()) {
    error_ = absl::StrCat(argv[0], ": unexpected first line \"", *line, "\"");
    return;
  }
  address_ = *address;
}

pid_t Daemon::pid() const { return child_ != nullptr && !child_->reaped() ? child_->pid() : -1; }

void Daemon::Kill() {
  if (child_ != nullptr) child_->Kill();
}

void Daemon::Signal(int signal) {
  if (child_ != nullptr) child_->Signal(signal);
}

std::optional<int> Daemon::Wait(absl::Duration timeout) {
  if (child_ == nullptr) return std::nullopt;
  return child_->Wait(timeout);
}

Daemon::~Daemon() {
  if (child_ != nullptr && !child_->reaped()) child_->Terminate(absl::Seconds(5));
}

Completed RunToCompletion(const std::vector<std::string>& argv, absl::Duration timeout,
                          const std::function<void(const std::string&)>& on_stderr) {
  Completed result;
  absl::StatusOr<test_support::Finished> run =
      test_support::RunToCompletion(argv, timeout, on_stderr);
  if (!run.ok()) {
    result.err = std::string(run.status().message());
    return result;
  }
  result.exit_code = WIFEXITED(run->wait_status) ? WEXITSTATUS(run->wait_status) : -1;
  result.timed_out = run->timed_out;
  result.out = std::move(run->out);
  result.err = std::move(run->err);
  result.elapsed = run->elapsed;
  return result;
}

}  // namespace parlab::e2e

#include "worker_harness.h"

#include <signal.h>

#include <cerrno>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "support/proc.h"

namespace parlab::testing {
namespace {

using test_support::ChildProcess;
using test_support::Stdio;

constexpr char kListeningPrefix[] = "parlab-worker listening on ";

}  // namespace

std::string PluginDirs() { return absl::StrCat(PARLAB_PLUGIN_DIR, ":", PARLAB_TEST_PLUGIN_DIR); }

absl::StatusOr<std::unique_ptr<WorkerDaemon>> WorkerDaemon::Start(
    const std::vector<std::string>& args, const std::vector<std::string>& wrapper) {
  std::vector<std::string> argv = wrapper;
  argv.insert(argv.end(), {PARLAB_WORKER_EXE, "--listen", "127.0.0.1:0"});
  argv.insert(argv.end(), args.begin(), args.end());
  absl::StatusOr<std::unique_ptr<ChildProcess>> child = ChildProcess::Start(
      argv, {.in = Stdio::kInherit, .out = Stdio::kPipe, .err = Stdio::kInherit});
  if (!child.ok()) return child.status();
  auto daemon = std::unique_ptr<WorkerDaemon>(new WorkerDaemon(*std::move(child)));

  // Read the one line, with a deadline: a daemon that never prints must fail the test.
  absl::StatusOr<std::string> line =
      test_support::ReadLine(daemon->child_->out(), absl::Now() + absl::Seconds(30));
  if (!line.ok()) {
    return absl::Status(line.status().code(),
                        absl::StrCat("parlab-worker's listening line: ", line.status().message()));
  }
  if (line->rfind(kListeningPrefix, 0) != 0) {
    return absl::InternalError(absl::StrCat("unexpected first line \"", *line, "\""));
  }
  daemon->address_ = line->substr(sizeof(kListeningPrefix) - 1);
  int port = 0;
  if (daemon->address_.rfind("127.0.0.1:", 0) != 0 ||
      !absl::SimpleAtoi(daemon->address_.substr(10), &port) || port <= 0) {
    return absl::InternalError(absl::StrCat("bad address in \"", *line, "\""));
  }
  daemon->channel_ = grpc::CreateChannel(daemon->address_, grpc::InsecureChannelCredentials());
  daemon->stub_ = v1::WorkerService::NewStub(daemon->channel_);
  return daemon;
}

WorkerDaemon::~WorkerDaemon() = default;  // the ChildProcess kills and reaps it

absl::StatusOr<int> WorkerDaemon::StopWith(int signal, absl::Duration timeout) {
  child_->Signal(signal);
  std::optional<int> status = child_->Wait(timeout);
  if (!status.has_value()) return absl::DeadlineExceededError("worker did not exit in time");
  return *status;
}

absl::StatusOr<Completed> RunWorkerToCompletion(const std::vector<std::string>& args) {
  std::vector<std::string> argv = {PARLAB_WORKER_EXE};
  argv.insert(argv.end(), args.begin(), args.end());
  // A flag error ends the worker at once; the bound only keeps a broken one from hanging.
  absl::StatusOr<test_support::Finished> run =
      test_support::RunToCompletion(argv, absl::Seconds(60));
  if (!run.ok()) return run.status();
  return Completed{run->wait_status, std::move(run->out), std::move(run->err)};
}

std::vector<pid_t> ChildrenOf(pid_t parent) {
  std::vector<pid_t> children;
  for (const test_support::ProcInfo& info : test_support::AllProcesses()) {
    if (info.ppid == parent) children.push_back(info.pid);
  }
  return children;
}

bool WaitForGroupGone(pid_t pgid, absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (true) {
    if (::kill(-pgid, 0) != 0 && errno == ESRCH) return true;
    if (absl::Now() >= deadline) return false;
    absl::SleepFor(absl::Milliseconds(20));
  }
}

}  // namespace parlab::testing

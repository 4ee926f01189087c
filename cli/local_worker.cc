#include "local_worker.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "parlab/common/run_limits.h"
#include "parlab/common/spawn.h"

namespace parlab::cli {
namespace {

constexpr char kListeningOn[] = "listening on ";

std::string DescribeWaitStatus(int status) {
  if (WIFEXITED(status)) return absl::StrCat("exit status ", WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return absl::StrCat("killed by signal ", WTERMSIG(status));
  return absl::StrCat("wait status ", status);
}

// Reads stdout until a full line arrives, the worker closes it, or the deadline passes.
absl::StatusOr<std::string> ReadFirstLine(int fd, absl::Time deadline, const std::string& what) {
  std::string buffer;
  while (true) {
    size_t newline = buffer.find('\n');
    if (newline != std::string::npos) return buffer.substr(0, newline);
    int64_t left_ms = absl::ToInt64Milliseconds(deadline - absl::Now());
    if (left_ms <= 0) {
      return absl::DeadlineExceededError(absl::StrCat(what, ": no \"listening on\" line in time"));
    }
    pollfd pfd{fd, POLLIN, 0};
    int ready = poll(&pfd, 1, static_cast<int>(std::min<int64_t>(left_ms, 1000)));
    if (ready < 0 && errno != EINTR) return absl::InternalError(strerror(errno));
    if (ready <= 0) continue;
    char chunk[512];
    ssize_t n = read(fd, chunk, sizeof(chunk));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return absl::UnavailableError(absl::StrCat(what, ": exited before listening"));
    buffer.append(chunk, static_cast<size_t>(n));
  }
}

}  // namespace

std::string DefaultWorkerPath() {
  std::error_code error;
  std::filesystem::path exe = std::filesystem::read_symlink("/proc/self/exe", error);
  if (error) return "parlab-worker";
  return (exe.parent_path() / "parlab-worker").string();
}

absl::StatusOr<std::unique_ptr<LocalWorker>> LocalWorker::Start(const std::string& worker_path,
                                                                const std::string& plugins,
                                                                absl::Duration timeout,
                                                                const std::string& python_path) {
  int pipe_fds[2];
  if (pipe2(pipe_fds, O_CLOEXEC) != 0) return absl::InternalError(strerror(errno));
  const int log_fd = memfd_create("parlab-local-worker-log", MFD_CLOEXEC);
  if (log_fd < 0) {
    close(pipe_fds[0]), close(pipe_fds[1]);
    return absl::InternalError(absl::StrCat("memfd_create: ", strerror(errno)));
  }

  absl::StatusOr<Lifeline> lifeline = Lifeline::Create();
  if (!lifeline.ok()) {
    close(pipe_fds[0]), close(pipe_fds[1]), close(log_fd);
    return lifeline.status();
  }
  // fd 3 of the worker: a pipe only we can write to, at EOF once we are gone however we died.
  // The user's own machine and plan: no per-job process cap beyond the plan limits. A worker's
  // default cap is for operators of shared workers; without a cgroup it would count a plan's
  // 5,000 coroutines as 5,000 processes and refuse examples/plans/sleep-5000-coroutines.json.
  std::vector<std::string> args = {"--listen", "127.0.0.1:0", "--lifeline", "3"};
  args.insert(args.end(), {"--max-job-processes", absl::StrCat(limits::kMaxConcurrency)});
  if (!plugins.empty()) args.insert(args.end(), {"--plugins", plugins});
  if (!python_path.empty()) args.insert(args.end(), {"--python-path", python_path});
  absl::StatusOr<pid_t> spawned = SpawnInOwnProcessGroup(
      worker_path, args,
      {{pipe_fds[1], STDOUT_FILENO}, {log_fd, STDERR_FILENO}, {lifeline->child_end(), 3}});
  close(pipe_fds[1]);
  lifeline->CloseChildEnd();
  if (!spawned.ok()) {
    close(pipe_fds[0]), close(log_fd);
    return absl::FailedPreconditionError(absl::StrCat(
        "cannot start the local worker ", worker_path, ": ", spawned.status().message(),
        " (start parlab-worker yourself and pass --workers)"));
  }
  const pid_t pid = *spawned;

  std::unique_ptr<LocalWorker> worker(new LocalWorker(pid, pipe_fds[0], log_fd));
  worker->lifeline_ = std::move(*lifeline);
  std::string what = absl::StrCat("local worker ", worker_path, " (pid ", pid, ")");
  absl::StatusOr<std::string> line = ReadFirstLine(pipe_fds[0], absl::Now() + timeout, what);
  if (!line.ok()) {
    worker->Stop();
    return absl::Status(line.status().code(), absl::StrCat(line.status().message(), " (",
                                                           DescribeWaitStatus(worker->wait_status_),
                                                           "); its log:\n", worker->LogTail(4096)));
  }
  size_t at = line->find(kListeningOn);
  if (at == std::string::npos) {
    worker->Stop();
    return absl::InternalError(absl::StrCat(
        what, ": expected \"parlab-worker listening on HOST:PORT\", got \"", *line, "\""));
  }
  worker->address_ =
      std::string(absl::StripAsciiWhitespace(line->substr(at + strlen(kListeningOn))));
  worker->StartDrain();
  return worker;
}

void LocalWorker::StartDrain() {
  drain_ = std::thread([this] {
    char chunk[4096];
    while (!stop_drain_.load()) {
      pollfd pfd{stdout_fd_, POLLIN, 0};
      if (poll(&pfd, 1, 100) <= 0) continue;
      ssize_t n = read(stdout_fd_, chunk, sizeof(chunk));
      if (n == 0) return;
      if (n > 0) (void)!write(log_fd_, chunk, static_cast<size_t>(n));
    }
  });
}

void LocalWorker::Stop() {
  if (stopped_) return;
  stopped_ = true;
  kill(-pid_, SIGTERM);
  int status = 0;
  const absl::Time deadline = absl::Now() + absl::Seconds(5);
  pid_t done = 0;
  while ((done = waitpid(pid_, &status, WNOHANG)) == 0 && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(20));
  }
  if (done == 0) {
    kill(-pid_, SIGKILL);
    waitpid(pid_, &status, 0);
  }
  wait_status_ = status;
  stop_drain_.store(true);
  if (drain_.joinable()) drain_.join();
  close(stdout_fd_);
  const bool clean = (WIFEXITED(status) && WEXITSTATUS(status) == 0) ||
                     (WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM);
  if (!clean && !address_.empty()) {
    const std::string message =
        absl::StrCat("parlab: the local worker (pid ", pid_,
                     ") ended: ", DescribeWaitStatus(status), "; its log:\n", LogTail(8192));
    (void)!write(STDERR_FILENO, message.data(), message.size());
  }
}

std::string LocalWorker::LogTail(size_t bytes) const {
  const off_t size = lseek(log_fd_, 0, SEEK_END);
  if (size <= 0) return "(empty)\n";
  const off_t from = size > static_cast<off_t>(bytes) ? size - static_cast<off_t>(bytes) : 0;
  std::string text(static_cast<size_t>(size - from), '\0');
  const ssize_t n = pread(log_fd_, text.data(), text.size(), from);
  text.resize(n > 0 ? static_cast<size_t>(n) : 0);
  return text;
}

LocalWorker::~LocalWorker() {
  Stop();
  close(log_fd_);  // after Stop: a start that failed quotes the log after stopping the worker
}

}  // namespace parlab::cli

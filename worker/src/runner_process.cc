#include "parlab/worker/runner_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "parlab/common/framing.h"
#include "parlab/common/spawn.h"

namespace parlab {
namespace {

constexpr size_t kStderrTailBytes = 4096;
constexpr absl::Duration kKillGrace = absl::Seconds(2);

void CloseFd(int& fd) {
  if (fd >= 0) ::close(fd);
  fd = -1;
}

int PollMillis(absl::Duration d) {
  if (d <= absl::ZeroDuration()) return 0;
  if (d >= absl::Milliseconds(1 << 30)) return 1 << 30;  // an infinite wait, without overflow
  return static_cast<int>(std::min<int64_t>(absl::ToInt64Milliseconds(d) + 1, 1 << 30));
}

// Owns the spawn attributes and file actions so every exit path destroys them.

}  // namespace

std::string WithRunnerStderr(absl::string_view message, absl::string_view stderr_tail) {
  absl::string_view tail = absl::StripTrailingAsciiWhitespace(stderr_tail);
  if (tail.empty()) return std::string(message);
  return absl::StrCat(message, "; runner stderr: ", tail);
}

std::string RunnerExit::ToString() const {
  if (exited) return absl::StrCat("exited with code ", code);
  const char* abbrev = sigabbrev_np(signal);
  return absl::StrCat("died from signal ", signal, " (", abbrev ? "SIG" : "", abbrev ? abbrev : "",
                      abbrev ? ", " : "", strsignal(signal), ")");
}

absl::StatusOr<std::unique_ptr<RunnerProcess>> RunnerProcess::Spawn(
    const std::string& path, const std::vector<std::string>& args) {
  return Spawn(path, args, Options());
}

absl::StatusOr<std::unique_ptr<RunnerProcess>> RunnerProcess::Spawn(const std::string& path,
                                                                    std::vector<std::string> args,
                                                                    const Options& options) {
  std::optional<Lifeline> lifeline;
  if (options.lifeline) {
    absl::StatusOr<Lifeline> created = Lifeline::Create();
    if (!created.ok()) return created.status();
    lifeline.emplace(std::move(*created));
    args.insert(args.end(), {"--lifeline", "3"});
  }
  // The daemon's ends are O_CLOEXEC so that a runner spawned for one job never holds the pipes
  // of another (a held pipe would hide the other runner's EOF).
  int in[2], out[2], err[2];
  if (pipe2(in, O_CLOEXEC) != 0)
    return absl::InternalError(absl::StrCat("pipe: ", strerror(errno)));
  if (pipe2(out, O_CLOEXEC) != 0) {
    int e = errno;
    ::close(in[0]), ::close(in[1]);
    return absl::InternalError(absl::StrCat("pipe: ", strerror(e)));
  }
  if (pipe2(err, O_CLOEXEC) != 0) {
    int e = errno;
    ::close(in[0]), ::close(in[1]), ::close(out[0]), ::close(out[1]);
    return absl::InternalError(absl::StrCat("pipe: ", strerror(e)));
  }

  std::vector<std::pair<int, int>> redirects = {
      {in[0], STDIN_FILENO}, {out[1], STDOUT_FILENO}, {err[1], STDERR_FILENO}};
  if (lifeline) redirects.emplace_back(lifeline->child_end(), 3);
  absl::StatusOr<pid_t> pid = options.env.empty()
                                  ? SpawnInOwnProcessGroup(path, args, redirects)
                                  : SpawnInOwnProcessGroup(path, args, redirects, options.env);
  if (lifeline) lifeline->CloseChildEnd();
  ::close(in[0]);
  ::close(out[1]);
  ::close(err[1]);
  if (!pid.ok()) {
    ::close(in[1]), ::close(out[0]), ::close(err[0]);
    return absl::FailedPreconditionError(
        absl::StrCat("cannot start runner \"", path, "\": ", pid.status().message()));
  }
  std::unique_ptr<RunnerProcess> runner(new RunnerProcess(*pid, in[1], out[0], err[0]));
  runner->lifeline_ = std::move(lifeline);
#ifdef SYS_pidfd_open
  // Not reaped yet, so the pid is still the runner's. The fd is close-on-exec.
  runner->pidfd_ = static_cast<int>(::syscall(SYS_pidfd_open, *pid, 0));
#endif
  return runner;
}

RunnerProcess::~RunnerProcess() {
  if (!reaped_) Terminate(absl::ZeroDuration());
  CloseFd(stdin_fd_);
  CloseFd(stdout_fd_);
  CloseFd(stderr_fd_);
  CloseFd(pidfd_);
}

absl::Status RunnerProcess::SendFrame(const google::protobuf::MessageLite& message) {
  if (stdin_fd_ < 0) return absl::FailedPreconditionError("runner stdin is already closed");
  // A runner that died early must not take the daemon down with SIGPIPE: block it on this
  // thread for the write, and swallow the one it raised.
  sigset_t pipe_set, old_set;
  sigemptyset(&pipe_set);
  sigaddset(&pipe_set, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &pipe_set, &old_set);
  absl::Status status = WriteFrame(stdin_fd_, message);
  if (!status.ok()) {
    const timespec zero{};
    while (sigtimedwait(&pipe_set, nullptr, &zero) == SIGPIPE) {
    }
  }
  pthread_sigmask(SIG_SETMASK, &old_set, nullptr);
  return status;
}

void RunnerProcess::CloseStdin() { CloseFd(stdin_fd_); }

void RunnerProcess::DrainStderr() {
  if (stderr_fd_ < 0) return;
  char buffer[4096];
  ssize_t n = ::read(stderr_fd_, buffer, sizeof(buffer));
  if (n < 0 && errno == EINTR) return;
  if (n <= 0) {
    CloseFd(stderr_fd_);
    return;
  }
  // Runner logs belong in the daemon's log too; the tail is for error messages.
  ssize_t ignored = ::write(STDERR_FILENO, buffer, static_cast<size_t>(n));
  (void)ignored;
  stderr_tail_.append(buffer, static_cast<size_t>(n));
  if (stderr_tail_.size() > kStderrTailBytes) {
    stderr_tail_.erase(0, stderr_tail_.size() - kStderrTailBytes);
  }
}

absl::StatusOr<RunnerProcess::Read> RunnerProcess::Next(v1::RunnerEvent* event,
                                                        absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (true) {
    if (stdout_fd_ < 0) return Read::kEnd;
    pollfd fds[2] = {{stdout_fd_, POLLIN, 0}, {stderr_fd_, POLLIN, 0}};
    const int nfds = stderr_fd_ >= 0 ? 2 : 1;
    int rc = ::poll(fds, nfds, PollMillis(deadline - absl::Now()));
    if (rc < 0) {
      if (errno == EINTR) continue;
      return absl::InternalError(absl::StrCat("poll on runner pipes: ", strerror(errno)));
    }
    if (rc == 0) return Read::kTimeout;
    if (nfds == 2 && fds[1].revents != 0) DrainStderr();
    if (fds[0].revents != 0) {
      // The runner writes each frame with one write(), so a readable pipe holds a whole frame
      // (or the rest follows at once).
      absl::StatusOr<bool> got = ReadFrame(stdout_fd_, event);
      if (!got.ok()) {
        CloseFd(stdout_fd_);
        return got.status();
      }
      if (!*got) {
        CloseFd(stdout_fd_);
        return Read::kEnd;
      }
      return Read::kEvent;
    }
  }
}

bool RunnerProcess::HasExited() {
  if (reaped_) return true;
  siginfo_t info;
  info.si_pid = 0;
  while (waitid(P_PID, static_cast<id_t>(pid_), &info, WEXITED | WNOHANG | WNOWAIT) != 0) {
    if (errno != EINTR) return true;  // ECHILD: nothing left to wait for
  }
  return info.si_pid != 0;
}

bool RunnerProcess::WaitForExit(absl::Time deadline) {
  while (true) {
    if (HasExited()) return true;
    const absl::Duration left = deadline - absl::Now();
    if (left <= absl::ZeroDuration()) return false;
    pollfd fds[3];
    int nfds = 0;
    if (stdout_fd_ >= 0) fds[nfds++] = {stdout_fd_, POLLIN, 0};
    if (stderr_fd_ >= 0) fds[nfds++] = {stderr_fd_, POLLIN, 0};
    if (pidfd_ >= 0) fds[nfds++] = {pidfd_, POLLIN, 0};
    // With a pidfd the exit itself wakes us; without, re-check every 10 ms.
    int rc =
        ::poll(fds, nfds, PollMillis(pidfd_ >= 0 ? left : std::min(left, absl::Milliseconds(10))));
    if (rc <= 0) continue;
    for (int i = 0; i < nfds; ++i) {
      if (fds[i].revents == 0 || fds[i].fd == pidfd_) continue;
      if (fds[i].fd == stderr_fd_) {
        DrainStderr();
      } else {
        char discard[4096];
        ssize_t n = ::read(stdout_fd_, discard, sizeof(discard));
        if (n == 0 || (n < 0 && errno != EINTR)) CloseFd(stdout_fd_);
      }
    }
  }
}

RunnerExit RunnerProcess::Reap() {
  if (reaped_) return exit_;
  // The runner is a zombie now, so its pid (= the group id) cannot have been reused: killing
  // the group reaches only what the runner left behind.
  ::kill(-pid_, SIGKILL);
  int status = 0;
  while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
  reaped_ = true;
  CloseFd(pidfd_);
  lifeline_.reset();
  if (WIFEXITED(status)) {
    exit_.exited = true;
    exit_.code = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    exit_.signal = WTERMSIG(status);
  }
  // Collect the last words on stderr; bounded, in case something outside the group holds it.
  const absl::Time deadline = absl::Now() + absl::Milliseconds(500);
  while (stderr_fd_ >= 0 && absl::Now() < deadline) {
    pollfd fd = {stderr_fd_, POLLIN, 0};
    if (::poll(&fd, 1, PollMillis(deadline - absl::Now())) <= 0) break;
    DrainStderr();
  }
  CloseFd(stdin_fd_);
  CloseFd(stdout_fd_);
  CloseFd(stderr_fd_);
  return exit_;
}

RunnerExit RunnerProcess::Finish(absl::Duration grace) {
  if (reaped_) return exit_;
  if (WaitForExit(absl::Now() + grace)) return Reap();
  return Terminate(kKillGrace);
}

RunnerExit RunnerProcess::Terminate(absl::Duration grace) {
  if (reaped_) return exit_;
  CloseStdin();
  ::kill(-pid_, SIGTERM);
  if (!WaitForExit(absl::Now() + grace)) {
    ::kill(-pid_, SIGKILL);
    WaitForExit(absl::InfiniteFuture());
  }
  return Reap();
}

}  // namespace parlab

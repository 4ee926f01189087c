#include "support/child_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "parlab/common/spawn.h"

extern char** environ;

namespace parlab::test_support {
namespace {

constexpr absl::string_view kListeningOn = "listening on ";

void CloseFd(int& fd) {
  if (fd >= 0) close(fd);
  fd = -1;
}

int TakeFd(int& fd) { return std::exchange(fd, -1); }

// The fds a child gets, opened here; each is closed on exec in this process's other children.
struct Plumbing {
  std::vector<std::pair<int, int>> redirects;  // {our fd, the child's fd}
  std::vector<int> child_ends;                 // closed here once the child has started
  int parent_ends[3] = {-1, -1, -1};
  ~Plumbing() {
    for (int fd : child_ends) close(fd);
    for (int fd : parent_ends) {
      if (fd >= 0) close(fd);
    }
  }
};

absl::Status Connect(Plumbing& plumbing, int child_fd, Stdio stdio, const std::string& path) {
  int fd = -1;
  if (!path.empty()) {
    fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) return absl::InternalError(absl::StrCat("open ", path, ": ", strerror(errno)));
  } else if (stdio == Stdio::kNull) {
    fd = open("/dev/null", (child_fd == STDIN_FILENO ? O_RDONLY : O_WRONLY) | O_CLOEXEC);
    if (fd < 0) return absl::InternalError(absl::StrCat("open /dev/null: ", strerror(errno)));
  } else if (stdio == Stdio::kPipe) {
    int ends[2];
    if (pipe2(ends, O_CLOEXEC) != 0)
      return absl::InternalError(absl::StrCat("pipe: ", strerror(errno)));
    const bool child_reads = child_fd == STDIN_FILENO;
    fd = child_reads ? ends[0] : ends[1];
    plumbing.parent_ends[child_fd] = child_reads ? ends[1] : ends[0];
  } else {
    return absl::OkStatus();  // kInherit
  }
  plumbing.child_ends.push_back(fd);
  plumbing.redirects.emplace_back(fd, child_fd);
  return absl::OkStatus();
}

}  // namespace

int ExitCode(int wait_status) {
  if (WIFEXITED(wait_status)) return WEXITSTATUS(wait_status);
  if (WIFSIGNALED(wait_status)) return 128 + WTERMSIG(wait_status);
  return -1;
}

absl::StatusOr<std::unique_ptr<ChildProcess>> ChildProcess::Start(
    const std::vector<std::string>& argv, const SpawnOptions& options) {
  if (argv.empty()) return absl::InvalidArgumentError("ChildProcess::Start: empty argv");
  Plumbing plumbing;
  for (absl::Status status : {Connect(plumbing, STDIN_FILENO, options.in, ""),
                              Connect(plumbing, STDOUT_FILENO, options.out, ""),
                              Connect(plumbing, STDERR_FILENO, options.err, options.err_path)}) {
    if (!status.ok()) return status;
  }
  std::vector<std::string> env = options.env;
  for (char** entry = environ; *entry != nullptr; ++entry) env.emplace_back(*entry);
  absl::StatusOr<pid_t> pid = SpawnInOwnProcessGroup(
      argv[0], std::vector<std::string>(argv.begin() + 1, argv.end()), plumbing.redirects, env);
  if (!pid.ok()) {
    return absl::Status(pid.status().code(),
                        absl::StrCat("posix_spawn ", argv[0], ": ", pid.status().message()));
  }
  auto child = std::unique_ptr<ChildProcess>(new ChildProcess());
  child->pid_ = *pid;
  child->in_ = TakeFd(plumbing.parent_ends[STDIN_FILENO]);
  child->out_ = TakeFd(plumbing.parent_ends[STDOUT_FILENO]);
  child->err_ = TakeFd(plumbing.parent_ends[STDERR_FILENO]);
  return child;
}

ChildProcess::~ChildProcess() {
  if (!reaped()) Kill();
  CloseFd(in_);
  CloseFd(out_);
  CloseFd(err_);
}

void ChildProcess::CloseIn() { CloseFd(in_); }
int ChildProcess::ReleaseOut() { return TakeFd(out_); }
int ChildProcess::ReleaseErr() { return TakeFd(err_); }

void ChildProcess::Signal(int signal) const {
  if (!reaped()) kill(pid_, signal);
}

void ChildProcess::SignalGroup(int signal) const {
  if (!reaped()) kill(-pid_, signal);
}

std::optional<int> ChildProcess::Wait(absl::Duration timeout) {
  if (reaped()) return wait_status_;
  const absl::Time deadline = absl::Now() + timeout;
  while (true) {
    int status = 0;
    const pid_t done = waitpid(pid_, &status, WNOHANG);
    if (done == pid_) {
      wait_status_ = status;
      return wait_status_;
    }
    if (done < 0 && errno != EINTR) {
      // Reaped elsewhere (or never ours): there is nothing left to wait for.
      wait_status_ = -1;
      return wait_status_;
    }
    if (absl::Now() >= deadline) return std::nullopt;
    absl::SleepFor(absl::Milliseconds(10));
  }
}

void ChildProcess::Terminate(absl::Duration grace) {
  SignalGroup(SIGTERM);
  if (!Wait(grace).has_value()) Kill();
}

void ChildProcess::Kill() {
  SignalGroup(SIGKILL);
  Wait();
}

absl::StatusOr<std::string> ReadLine(int fd, absl::Time deadline) {
  std::string line;
  while (true) {
    const int ms = static_cast<int>(absl::ToInt64Milliseconds(deadline - absl::Now()));
    if (ms <= 0) {
      return absl::DeadlineExceededError(
          absl::StrCat("no whole line within the deadline; got \"", line, "\""));
    }
    pollfd ready = {fd, POLLIN, 0};
    if (poll(&ready, 1, ms) <= 0) continue;  // timed out or interrupted: the deadline decides
    char c;
    const ssize_t n = read(fd, &c, 1);
    if (n == 0) {
      return absl::UnavailableError(absl::StrCat("the output ended; got \"", line, "\""));
    }
    if (n < 0) {
      if (errno == EINTR || errno == EAGAIN) continue;
      return absl::InternalError(absl::StrCat("read: ", strerror(errno), "; got \"", line, "\""));
    }
    if (c == '\n') return line;
    line.push_back(c);
  }
}

std::optional<std::string> ListeningAddress(absl::string_view line) {
  const size_t at = line.find(kListeningOn);
  if (at == absl::string_view::npos) return std::nullopt;
  return std::string(absl::StripAsciiWhitespace(line.substr(at + kListeningOn.size())));
}

absl::StatusOr<Finished> RunToCompletion(const std::vector<std::string>& argv,
                                         absl::Duration timeout,
                                         const std::function<void(const std::string&)>& on_stderr) {
  const absl::Time start = absl::Now();
  absl::StatusOr<std::unique_ptr<ChildProcess>> started = ChildProcess::Start(argv);
  if (!started.ok()) return started.status();
  ChildProcess& child = **started;
  Finished finished;
  pollfd fds[2] = {{child.out(), POLLIN, 0}, {child.err(), POLLIN, 0}};
  std::string* sinks[2] = {&finished.out, &finished.err};
  int open_count = 2;
  while (open_count > 0) {
    if (absl::Now() - start > timeout) {
      finished.timed_out = true;
      child.SignalGroup(SIGKILL);
      break;
    }
    if (poll(fds, 2, 200) <= 0) continue;
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || (fds[i].revents & (POLLIN | POLLHUP)) == 0) continue;
      char chunk[4096];
      const ssize_t n = read(fds[i].fd, chunk, sizeof(chunk));
      if (n > 0) {
        sinks[i]->append(chunk, static_cast<size_t>(n));
        if (i == 1 && on_stderr) on_stderr(finished.err);
      } else if (n == 0 || errno != EINTR) {
        fds[i].fd = -1;  // poll skips negative fds; the ChildProcess closes ours
        --open_count;
      }
    }
  }
  finished.wait_status = *child.Wait();
  finished.elapsed = absl::Now() - start;
  return finished;
}

std::optional<std::vector<std::string>> AsOrdinaryUser(uid_t uid) {
  if (getuid() != 0) return std::vector<std::string>{};
  const std::string setpriv = "/usr/bin/setpriv";
  if (access(setpriv.c_str(), X_OK) != 0) return std::nullopt;
  return std::vector<std::string>{setpriv, absl::StrCat("--reuid=", uid),
                                  absl::StrCat("--regid=", uid), "--clear-groups", "--"};
}

}  // namespace parlab::test_support

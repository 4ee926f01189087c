#include "worker_harness.h"

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

extern char** environ;

namespace parlab::testing {
namespace {

constexpr char kListeningPrefix[] = "parlab-worker listening on ";

absl::StatusOr<pid_t> SpawnWorker(const std::vector<std::string>& args, int out_fd, int err_fd) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  if (out_fd >= 0) posix_spawn_file_actions_adddup2(&actions, out_fd, STDOUT_FILENO);
  if (err_fd >= 0) posix_spawn_file_actions_adddup2(&actions, err_fd, STDERR_FILENO);
  std::vector<std::string> all = {PARLAB_WORKER_EXE};
  all.insert(all.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& a : all) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = -1;
  int rc = posix_spawn(&pid, PARLAB_WORKER_EXE, &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) return absl::InternalError(absl::StrCat("spawn worker: ", strerror(rc)));
  return pid;
}

// Reads everything from `fd` until EOF.
std::string ReadAll(int fd) {
  std::string text;
  char buffer[4096];
  ssize_t n;
  while ((n = ::read(fd, buffer, sizeof(buffer))) > 0 || (n < 0 && errno == EINTR)) {
    if (n > 0) text.append(buffer, static_cast<size_t>(n));
  }
  return text;
}

}  // namespace

std::string PluginDirs() { return absl::StrCat(PARLAB_PLUGIN_DIR, ":", PARLAB_TEST_PLUGIN_DIR); }

absl::StatusOr<std::unique_ptr<WorkerDaemon>> WorkerDaemon::Start(
    const std::vector<std::string>& args) {
  int out[2];
  if (pipe2(out, O_CLOEXEC) != 0) return absl::InternalError("pipe");
  std::vector<std::string> all = {"--listen", "127.0.0.1:0"};
  all.insert(all.end(), args.begin(), args.end());
  absl::StatusOr<pid_t> pid = SpawnWorker(all, out[1], -1);
  ::close(out[1]);
  if (!pid.ok()) {
    ::close(out[0]);
    return pid.status();
  }
  auto daemon = std::unique_ptr<WorkerDaemon>(new WorkerDaemon());
  daemon->pid_ = *pid;
  daemon->stdout_fd_ = out[0];

  // Read the one line, with a deadline: a daemon that never prints must fail the test.
  std::string line;
  const absl::Time deadline = absl::Now() + absl::Seconds(30);
  while (line.find('\n') == std::string::npos) {
    pollfd fd = {out[0], POLLIN, 0};
    int ms = static_cast<int>(absl::ToInt64Milliseconds(deadline - absl::Now()));
    if (ms <= 0 || ::poll(&fd, 1, ms) <= 0) {
      return absl::DeadlineExceededError(absl::StrCat("no listening line; got \"", line, "\""));
    }
    char c;
    ssize_t n = ::read(out[0], &c, 1);
    if (n == 0) return absl::UnavailableError(absl::StrCat("worker exited; stdout \"", line, "\""));
    if (n > 0) line.push_back(c);
  }
  line.pop_back();
  if (line.rfind(kListeningPrefix, 0) != 0) {
    return absl::InternalError(absl::StrCat("unexpected first line \"", line, "\""));
  }
  daemon->address_ = line.substr(sizeof(kListeningPrefix) - 1);
  int port = 0;
  if (daemon->address_.rfind("127.0.0.1:", 0) != 0 ||
      !absl::SimpleAtoi(daemon->address_.substr(10), &port) || port <= 0) {
    return absl::InternalError(absl::StrCat("bad address in \"", line, "\""));
  }
  daemon->channel_ = grpc::CreateChannel(daemon->address_, grpc::InsecureChannelCredentials());
  daemon->stub_ = v1::WorkerService::NewStub(daemon->channel_);
  return daemon;
}

WorkerDaemon::~WorkerDaemon() {
  if (pid_ > 0) {
    ::kill(pid_, SIGKILL);
    int status;
    ::waitpid(pid_, &status, 0);
  }
  if (stdout_fd_ >= 0) ::close(stdout_fd_);
}

absl::StatusOr<int> WorkerDaemon::StopWith(int signal, absl::Duration timeout) {
  ::kill(pid_, signal);
  const absl::Time deadline = absl::Now() + timeout;
  while (absl::Now() < deadline) {
    int status = 0;
    pid_t got = ::waitpid(pid_, &status, WNOHANG);
    if (got == pid_) {
      pid_ = -1;
      return status;
    }
    absl::SleepFor(absl::Milliseconds(20));
  }
  return absl::DeadlineExceededError("worker did not exit in time");
}

absl::StatusOr<Completed> RunWorkerToCompletion(const std::vector<std::string>& args) {
  int out[2], err[2];
  if (pipe2(out, O_CLOEXEC) != 0 || pipe2(err, O_CLOEXEC) != 0) return absl::InternalError("pipe");
  absl::StatusOr<pid_t> pid = SpawnWorker(args, out[1], err[1]);
  ::close(out[1]);
  ::close(err[1]);
  Completed done;
  if (pid.ok()) {
    // Small outputs: a pipe buffer holds them, so reading one after the other cannot deadlock.
    done.out = ReadAll(out[0]);
    done.err = ReadAll(err[0]);
    ::waitpid(*pid, &done.wait_status, 0);
  }
  ::close(out[0]);
  ::close(err[0]);
  if (!pid.ok()) return pid.status();
  return done;
}

std::vector<pid_t> ChildrenOf(pid_t parent) {
  std::vector<pid_t> children;
  DIR* proc = opendir("/proc");
  if (proc == nullptr) return children;
  while (dirent* entry = readdir(proc)) {
    int pid = 0;
    if (!absl::SimpleAtoi(entry->d_name, &pid)) continue;
    std::ifstream stat(absl::StrCat("/proc/", pid, "/stat"));
    std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
    // "pid (comm) state ppid ...": comm may hold spaces and parentheses, so parse after the last
    // ')'.
    const size_t paren = text.rfind(')');
    if (paren == std::string::npos) continue;
    std::istringstream rest(text.substr(paren + 1));
    std::string state;
    int ppid = 0;
    if (rest >> state >> ppid && ppid == parent) children.push_back(pid);
  }
  closedir(proc);
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

#include "child_process.h"

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

extern char** environ;

namespace parlab::cluster_test {
namespace {

constexpr char kListeningOn[] = "listening on ";

int DecodeWaitStatus(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

std::optional<ProcInfo> ReadProc(pid_t pid) {
  std::ifstream file(absl::StrCat("/proc/", pid, "/stat"));
  std::string text((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  // "pid (comm) S ppid ...": comm may hold spaces and parentheses, so split at the last ')'.
  const size_t open = text.find('(');
  const size_t close = text.rfind(')');
  if (open == std::string::npos || close == std::string::npos || close + 2 >= text.size()) {
    return std::nullopt;
  }
  ProcInfo info;
  info.pid = pid;
  info.comm = text.substr(open + 1, close - open - 1);
  std::istringstream rest(text.substr(close + 2));
  rest >> info.state >> info.ppid;
  if (!rest) return std::nullopt;
  return info;
}

std::vector<ProcInfo> AllProcesses() {
  std::vector<ProcInfo> all;
  DIR* dir = opendir("/proc");
  if (dir == nullptr) return all;
  while (dirent* entry = readdir(dir)) {
    int pid = 0;
    if (!absl::SimpleAtoi(entry->d_name, &pid)) continue;
    if (std::optional<ProcInfo> info = ReadProc(pid)) all.push_back(*info);
  }
  closedir(dir);
  return all;
}

}  // namespace

std::string ProcInfo::ToString() const {
  return absl::StrCat(pid, " (", comm, ") state ", std::string(1, state), " ppid ", ppid);
}

Child::Child(const std::vector<std::string>& argv) {
  int out[2], err[2];
  if (pipe2(out, O_CLOEXEC) != 0 || pipe2(err, O_CLOEXEC) != 0) {
    error_ = absl::StrCat("pipe: ", strerror(errno));
    return;
  }
  std::vector<char*> args;
  for (const std::string& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, err[1], STDERR_FILENO);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  posix_spawnattr_setpgroup(&attr, 0);
  // gtest may run with signals blocked on this thread; the child starts with a clean mask.
  sigset_t empty;
  sigemptyset(&empty);
  posix_spawnattr_setsigmask(&attr, &empty);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK);
  const int rc = posix_spawn(&pid_, argv[0].c_str(), &actions, &attr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  close(out[1]);
  close(err[1]);
  if (rc != 0) {
    pid_ = -1;
    error_ = absl::StrCat("posix_spawn ", argv[0], ": ", strerror(rc));
    close(out[0]);
    close(err[0]);
    return;
  }
  reader_ = std::thread([this, o = out[0], e = err[0]] { ReadLoop(o, e); });
}

void Child::ReadLoop(int out_fd, int err_fd) {
  pollfd fds[2] = {{out_fd, POLLIN, 0}, {err_fd, POLLIN, 0}};
  int open_count = 2;
  while (open_count > 0) {
    if (poll(fds, 2, 200) <= 0) continue;
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || fds[i].revents == 0) continue;
      char chunk[4096];
      const ssize_t n = read(fds[i].fd, chunk, sizeof(chunk));
      if (n > 0) {
        absl::MutexLock lock(&mutex_);
        (i == 0 ? out_ : err_).append(chunk, static_cast<size_t>(n));
      } else if (n == 0 || errno != EINTR) {
        close(fds[i].fd);
        fds[i].fd = -1;  // poll ignores negative fds
        --open_count;
      }
    }
  }
}

std::string Child::out() const {
  absl::MutexLock lock(&mutex_);
  return out_;
}

std::string Child::err() const {
  absl::MutexLock lock(&mutex_);
  return err_;
}

bool Child::WaitForOutput(
    const std::function<bool(const std::string&, const std::string&)>& ready,
    absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (absl::Now() < deadline) {
    if (ready(out(), err())) return true;
    if (Wait(absl::ZeroDuration()).has_value()) return ready(out(), err());
    absl::SleepFor(absl::Milliseconds(20));
  }
  return false;
}

std::string Child::WaitForListening(absl::Duration timeout) {
  std::string address;
  WaitForOutput(
      [&](const std::string& out, const std::string&) {
        const size_t at = out.find(kListeningOn);
        if (at == std::string::npos) return false;
        const size_t end = out.find('\n', at);
        if (end == std::string::npos) return false;
        const size_t from = at + strlen(kListeningOn);
        address = std::string(absl::StripAsciiWhitespace(out.substr(from, end - from)));
        return true;
      },
      timeout);
  return address;
}

void Child::Signal(int signal) const {
  if (pid_ > 0 && !exit_code_.has_value()) kill(-pid_, signal);
}

std::optional<int> Child::Wait(absl::Duration timeout) {
  if (exit_code_.has_value() || pid_ <= 0) return exit_code_;
  const absl::Time deadline = absl::Now() + timeout;
  while (true) {
    int status = 0;
    const pid_t done = waitpid(pid_, &status, WNOHANG);
    if (done == pid_) {
      exit_code_ = DecodeWaitStatus(status);
      return exit_code_;
    }
    if (done < 0 && errno != EINTR) {
      exit_code_ = -1;
      return exit_code_;
    }
    if (absl::Now() >= deadline) return std::nullopt;
    absl::SleepFor(absl::Milliseconds(10));
  }
}

void Child::Kill() {
  if (pid_ <= 0 || exit_code_.has_value()) return;
  kill(-pid_, SIGKILL);
  Wait(absl::InfiniteDuration());
}

Child::~Child() {
  if (pid_ > 0 && !exit_code_.has_value()) {
    kill(-pid_, SIGTERM);
    if (!Wait(absl::Seconds(5)).has_value()) Kill();
  }
  // The reader ends when every holder of the pipes is gone; a grandchild that inherited them
  // could keep it waiting, so it is detached rather than joined in that case.
  if (reader_.joinable()) {
    if (pid_ > 0) {
      reader_.join();
    } else {
      reader_.detach();
    }
  }
}

bool BecomeSubreaper() { return prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0; }

std::vector<ProcInfo> Descendants(pid_t root) {
  std::vector<ProcInfo> all = AllProcesses();
  std::multimap<pid_t, const ProcInfo*> children;
  for (const ProcInfo& info : all) children.emplace(info.ppid, &info);
  std::vector<ProcInfo> found;
  std::vector<pid_t> frontier = {root};
  while (!frontier.empty()) {
    const pid_t parent = frontier.back();
    frontier.pop_back();
    auto [begin, end] = children.equal_range(parent);
    for (auto it = begin; it != end; ++it) {
      found.push_back(*it->second);
      frontier.push_back(it->second->pid);
    }
  }
  return found;
}

int ReapAdoptedZombies(const std::vector<pid_t>& keep) {
  int reaped = 0;
  for (const ProcInfo& info : Descendants(getpid())) {
    if (info.ppid != getpid() || info.state != 'Z') continue;
    if (std::find(keep.begin(), keep.end(), info.pid) != keep.end()) continue;
    int status = 0;
    if (waitpid(info.pid, &status, WNOHANG) == info.pid) ++reaped;
  }
  return reaped;
}

void KillDescendants(const std::vector<pid_t>& keep) {
  for (const ProcInfo& info : Descendants(getpid())) {
    if (std::find(keep.begin(), keep.end(), info.pid) != keep.end()) continue;
    kill(info.pid, SIGKILL);
  }
  const absl::Time deadline = absl::Now() + absl::Seconds(2);
  while (absl::Now() < deadline) {
    ReapAdoptedZombies(keep);
    bool any = false;
    for (const ProcInfo& info : Descendants(getpid())) {
      if (std::find(keep.begin(), keep.end(), info.pid) == keep.end()) any = true;
    }
    if (!any) return;
    absl::SleepFor(absl::Milliseconds(20));
  }
}

}  // namespace parlab::cluster_test

#include "process_tree.h"

#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <map>

#include "absl/status/statusor.h"
#include "absl/time/clock.h"

namespace parlab::cluster_test {

Child::Child(const std::vector<std::string>& argv) {
  absl::StatusOr<std::unique_ptr<test_support::ChildProcess>> child =
      test_support::ChildProcess::Start(argv);  // stdin /dev/null, stdout and stderr piped
  if (!child.ok()) {
    error_ = std::string(child.status().message());
    return;
  }
  child_ = *std::move(child);
  reader_ =
      std::thread([this, o = child_->ReleaseOut(), e = child_->ReleaseErr()] { ReadLoop(o, e); });
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

bool Child::WaitForOutput(const std::function<bool(const std::string&, const std::string&)>& ready,
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
        // Only a whole line: the address may still be arriving.
        const size_t at = out.find("listening on ");
        if (at == std::string::npos) return false;
        const size_t end = out.find('\n', at);
        if (end == std::string::npos) return false;
        address = test_support::ListeningAddress(out.substr(at, end - at)).value_or("");
        return true;
      },
      timeout);
  return address;
}

void Child::Signal(int signal) const {
  if (child_ != nullptr) child_->SignalGroup(signal);
}

std::optional<int> Child::Wait(absl::Duration timeout) {
  if (child_ == nullptr) return std::nullopt;
  std::optional<int> status = child_->Wait(timeout);
  if (!status.has_value()) return std::nullopt;
  return test_support::ExitCode(*status);
}

void Child::Kill() {
  if (child_ != nullptr) child_->Kill();
}

Child::~Child() {
  if (child_ != nullptr && !child_->reaped()) child_->Terminate(absl::Seconds(5));
  // The reader ends when every holder of the pipes is gone; a grandchild that inherited them
  // could keep it waiting, so it is detached rather than joined in that case.
  if (reader_.joinable()) {
    if (child_ != nullptr) {
      reader_.join();
    } else {
      reader_.detach();
    }
  }
}

bool BecomeSubreaper() { return prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0; }

std::vector<ProcInfo> Descendants(pid_t root) {
  std::vector<ProcInfo> all = test_support::AllProcesses();
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

// ChildSet: fork()ed children that each hold the write end of a pipe to the parent, for the
// process models. The pipe carries an optional report and, by reaching EOF, tells the parent
// that the child ended — so the parent waits only for ITS children (never waitpid(-1), which
// would reap children that belong to the host) and can poll the cancel flag meanwhile.
//
//   ChildSet children;
//   children.Spawn(/*tag=*/7, [&](int report_fd) { WriteAll(report_fd, &r, sizeof r); });
//   while (children.size() > 0)
//     for (const ChildSet::Exit& e : children.WaitSome(/*timeout_ms=*/20)) Judge(e);
//
// Children end with _exit() and never return into the caller; a ChildSet that goes out of
// scope SIGKILLs and reaps whatever is left, so no zombie outlives it.
#ifndef PARLAB_PLUGINS_MODELS_SUPPORT_CHILD_PROCESSES_H_
#define PARLAB_PLUGINS_MODELS_SUPPORT_CHILD_PROCESSES_H_

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

namespace parlab::models {

// Writes all of `data`, retrying on EINTR and short writes. Returns false on error.
inline bool WriteAll(int fd, const void* data, size_t size) {
  const char* p = static_cast<const char*>(data);
  while (size > 0) {
    const ssize_t n = write(fd, p, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    p += n;
    size -= static_cast<size_t>(n);
  }
  return true;
}

// "killed by signal 11 (Segmentation fault)" / "exited with status 3".
inline std::string DescribeWaitStatus(int wait_status) {
  if (WIFSIGNALED(wait_status)) {
    const int sig = WTERMSIG(wait_status);
    return "killed by signal " + std::to_string(sig) + " (" + strsignal(sig) + ")";
  }
  return "exited with status " + std::to_string(WEXITSTATUS(wait_status));
}

class ChildSet {
 public:
  // A child that ended and was reaped.
  struct Exit {
    uint64_t tag;        // what the caller passed to Spawn()
    int wait_status;     // as from waitpid()
    std::string report;  // every byte the child wrote to its report fd
  };

  ChildSet() = default;
  ChildSet(const ChildSet&) = delete;
  ChildSet& operator=(const ChildSet&) = delete;
  ~ChildSet() { KillAll(); }

  // Forks a child that runs body(report_fd) and then _exit(0)s. Returns 0, or the errno of
  // the failed pipe2()/fork().
  template <typename Body>
  int Spawn(uint64_t tag, Body&& body) {
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) return errno;
    const pid_t pid = fork();
    if (pid < 0) {
      const int err = errno;
      close(fds[0]);
      close(fds[1]);
      return err;
    }
    if (pid == 0) {
      close(fds[0]);
      try {
        body(fds[1]);
      } catch (...) {
        // Nothing reported: the parent sees a child that ended without a result.
      }
      _exit(0);
    }
    close(fds[1]);
    children_.push_back(Child{pid, fds[0], tag, {}});
    return 0;
  }

  size_t size() const { return children_.size(); }

  // Waits up to `timeout_ms` for children to end; returns (and reaps) those that did.
  std::vector<Exit> WaitSome(int timeout_ms) {
    std::vector<pollfd> fds;
    for (const Child& c : children_) fds.push_back(pollfd{c.fd, POLLIN, 0});
    std::vector<Exit> exits;
    if (poll(fds.data(), fds.size(), timeout_ms) <= 0) return exits;  // timeout or EINTR
    std::vector<Child> alive;
    for (size_t i = 0; i < children_.size(); ++i) {
      Child& c = children_[i];
      if (fds[i].revents != 0 && Drain(c)) {
        exits.push_back(Exit{c.tag, Reap(c), std::move(c.report)});
      } else {
        alive.push_back(std::move(c));
      }
    }
    children_ = std::move(alive);
    return exits;
  }

  // SIGKILLs and reaps every child still alive (their results are dropped).
  void KillAll() {
    for (const Child& c : children_) kill(c.pid, SIGKILL);
    for (Child& c : children_) Reap(c);
    children_.clear();
  }

 private:
  struct Child {
    pid_t pid;
    int fd;  // read end of the child's report pipe
    uint64_t tag;
    std::string report;
  };

  // Reads what is available; true once the pipe reached EOF (the child ended).
  static bool Drain(Child& c) {
    char buf[4096];
    const ssize_t n = read(c.fd, buf, sizeof(buf));
    if (n > 0) {
      c.report.append(buf, static_cast<size_t>(n));
      return false;
    }
    return !(n < 0 && (errno == EINTR || errno == EAGAIN));
  }

  // Closes the pipe and waits for the child's exit status.
  static int Reap(Child& c) {
    close(c.fd);
    int status = 0;
    while (waitpid(c.pid, &status, 0) < 0 && errno == EINTR) {
    }
    return status;
  }

  std::vector<Child> children_;
};

}  // namespace parlab::models

#endif  // PARLAB_PLUGINS_MODELS_SUPPORT_CHILD_PROCESSES_H_

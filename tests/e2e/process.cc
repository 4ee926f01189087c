#include "process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

extern char** environ;

namespace parlab::e2e {
namespace {

// Spawns argv in its own process group with the given fds as stdout and stderr (-1: inherit).
pid_t Spawn(const std::vector<std::string>& argv, int out_fd, int err_fd, std::string* error) {
  std::vector<char*> args;
  for (const std::string& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  if (out_fd >= 0) posix_spawn_file_actions_adddup2(&actions, out_fd, STDOUT_FILENO);
  if (err_fd >= 0) posix_spawn_file_actions_adddup2(&actions, err_fd, STDERR_FILENO);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  posix_spawnattr_setpgroup(&attr, 0);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
  pid_t pid = -1;
  int rc = posix_spawn(&pid, argv[0].c_str(), &actions, &attr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  if (rc != 0) {
    *error = absl::StrCat("posix_spawn ", argv[0], ": ", strerror(rc));
    return -1;
  }
  return pid;
}

void Terminate(pid_t pid) {
  kill(-pid, SIGTERM);
  absl::Time deadline = absl::Now() + absl::Seconds(5);
  int status = 0;
  while (waitpid(pid, &status, WNOHANG) == 0) {
    if (absl::Now() > deadline) {
      kill(-pid, SIGKILL);
      waitpid(pid, &status, 0);
      return;
    }
    absl::SleepFor(absl::Milliseconds(20));
  }
}

}  // namespace

Daemon::Daemon(const std::vector<std::string>& argv) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) {
    error_ = strerror(errno);
    return;
  }
  pid_ = Spawn(argv, fds[1], -1, &error_);
  close(fds[1]);
  stdout_fd_ = fds[0];
  if (pid_ < 0) return;
  std::string buffer;
  absl::Time deadline = absl::Now() + absl::Seconds(20);
  while (buffer.find('\n') == std::string::npos) {
    pollfd pfd{stdout_fd_, POLLIN, 0};
    if (absl::Now() > deadline) {
      error_ = absl::StrCat(argv[0], ": no \"listening on\" line within 20 s");
      return;
    }
    if (poll(&pfd, 1, 200) <= 0) continue;
    char chunk[256];
    ssize_t n = read(stdout_fd_, chunk, sizeof(chunk));
    if (n <= 0) {
      error_ = absl::StrCat(argv[0], ": exited before listening, output: ", buffer);
      return;
    }
    buffer.append(chunk, static_cast<size_t>(n));
  }
  std::string line = buffer.substr(0, buffer.find('\n'));
  size_t at = line.find("listening on ");
  if (at == std::string::npos) {
    error_ = absl::StrCat(argv[0], ": unexpected first line \"", line, "\"");
    return;
  }
  address_ = std::string(absl::StripAsciiWhitespace(line.substr(at + strlen("listening on "))));
}

void Daemon::Kill() {
  if (pid_ <= 0) return;
  kill(-pid_, SIGKILL);
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = -1;
}

Daemon::~Daemon() {
  if (pid_ > 0) Terminate(pid_);
  if (stdout_fd_ >= 0) close(stdout_fd_);
}

Completed RunToCompletion(const std::vector<std::string>& argv, absl::Duration timeout,
                          const std::function<void(const std::string&)>& on_stderr) {
  Completed result;
  int out[2], err[2];
  if (pipe2(out, O_CLOEXEC) != 0 || pipe2(err, O_CLOEXEC) != 0) {
    result.err = strerror(errno);
    return result;
  }
  std::string error;
  absl::Time start = absl::Now();
  pid_t pid = Spawn(argv, out[1], err[1], &error);
  close(out[1]);
  close(err[1]);
  if (pid < 0) {
    close(out[0]);
    close(err[0]);
    result.err = error;
    return result;
  }
  // Read both pipes until both close, so a chatty child never blocks on a full pipe.
  pollfd fds[2] = {{out[0], POLLIN, 0}, {err[0], POLLIN, 0}};
  std::string* sinks[2] = {&result.out, &result.err};
  int open_count = 2;
  while (open_count > 0) {
    if (absl::Now() - start > timeout) {
      result.timed_out = true;
      kill(-pid, SIGKILL);
      break;
    }
    if (poll(fds, 2, 200) <= 0) continue;
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || (fds[i].revents & (POLLIN | POLLHUP)) == 0) continue;
      char chunk[4096];
      ssize_t n = read(fds[i].fd, chunk, sizeof(chunk));
      if (n > 0) {
        sinks[i]->append(chunk, static_cast<size_t>(n));
        if (i == 1 && on_stderr) on_stderr(result.err);
      } else if (n == 0 || errno != EINTR) {
        close(fds[i].fd);
        fds[i].fd = -1;
        --open_count;
      }
    }
  }
  for (pollfd& fd : fds) {
    if (fd.fd >= 0) close(fd.fd);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  result.elapsed = absl::Now() - start;
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

}  // namespace parlab::e2e

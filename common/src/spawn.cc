#include "parlab/common/spawn.h"

#include <spawn.h>

#include <csignal>
#include <cstring>

#include "absl/status/status.h"

extern char** environ;

namespace parlab {

namespace {

absl::StatusOr<pid_t> Spawn(const std::string& path, const std::vector<std::string>& args,
                            const std::vector<std::pair<int, int>>& redirects, char* const* envp) {
  std::vector<char*> argv;
  argv.push_back(const_cast<char*>(path.c_str()));
  for (const std::string& arg : args) argv.push_back(const_cast<char*>(arg.c_str()));
  argv.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  for (const auto& [from, to] : redirects) posix_spawn_file_actions_adddup2(&actions, from, to);

  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  posix_spawnattr_setflags(&attr,
                           POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  posix_spawnattr_setpgroup(&attr, 0);
  sigset_t mask;
  sigemptyset(&mask);
  posix_spawnattr_setsigmask(&attr, &mask);
  sigset_t defaults;
  sigemptyset(&defaults);
  for (int sig : {SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGPIPE, SIGCHLD, SIGUSR1, SIGUSR2}) {
    sigaddset(&defaults, sig);
  }
  posix_spawnattr_setsigdefault(&attr, &defaults);

  pid_t pid = -1;
  const int rc = posix_spawn(&pid, path.c_str(), &actions, &attr, argv.data(), envp);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  if (rc != 0) return absl::FailedPreconditionError(std::strerror(rc));
  return pid;
}

}  // namespace

absl::StatusOr<pid_t> SpawnInOwnProcessGroup(const std::string& path,
                                             const std::vector<std::string>& args,
                                             const std::vector<std::pair<int, int>>& redirects) {
  return Spawn(path, args, redirects, environ);
}

absl::StatusOr<pid_t> SpawnInOwnProcessGroup(const std::string& path,
                                             const std::vector<std::string>& args,
                                             const std::vector<std::pair<int, int>>& redirects,
                                             const std::vector<std::string>& env) {
  std::vector<char*> envp;
  for (const std::string& entry : env) envp.push_back(const_cast<char*>(entry.c_str()));
  envp.push_back(nullptr);
  return Spawn(path, args, redirects, envp.data());
}

}  // namespace parlab

// Starting a child program the way every parlab process does it: posix_spawn (fork+exec in one
// step, safe next to gRPC threads, unlike a bare fork()), in a NEW process group so that one
// kill(-pgid) reaches everything it forks, with an empty signal mask and default handlers (our
// daemons block SIGINT/SIGTERM for a watcher thread and ignore SIGPIPE; children must not
// inherit that).
//
//   PARLAB_ASSIGN_OR_RETURN(pid_t pid, SpawnInOwnProcessGroup(runner, {"--describe", "--plugins",
//                                                             dir}, {{pipe_w, STDOUT_FILENO}}));
#ifndef PARLAB_COMMON_SPAWN_H_
#define PARLAB_COMMON_SPAWN_H_

#include <sys/types.h>

#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"

namespace parlab {

// Runs `path` with argv = {path, args...}; each {from, to} of `redirects` is dup2'd in the child.
// On failure the status message is strerror() of posix_spawn's error alone, for the caller to
// say what it was starting.
[[nodiscard]] absl::StatusOr<pid_t> SpawnInOwnProcessGroup(
    const std::string& path, const std::vector<std::string>& args,
    const std::vector<std::pair<int, int>>& redirects);

// As above, with `env` ("NAME=value" each) as the child's whole environment instead of ours
// (tests start a program with one variable set without changing their own environment).
[[nodiscard]] absl::StatusOr<pid_t> SpawnInOwnProcessGroup(
    const std::string& path, const std::vector<std::string>& args,
    const std::vector<std::pair<int, int>>& redirects, const std::vector<std::string>& env);

}  // namespace parlab

#endif  // PARLAB_COMMON_SPAWN_H_

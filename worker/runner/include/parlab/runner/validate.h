// `parlab-runner --validate --plugin PATH.so`: the conformance suite behind
// `parlab models validate`. It loads the plugin in this (runner) process and runs small real
// jobs under observation, writing one line per check to `report_fd`:
//
//   RUN<TAB>check                    before a check starts (so a crash can be pinned on it)
//   PASS|FAIL|SKIP<TAB>check<TAB>detail
//
// Checks, in order: load, abi_version, entry, results.cpu.c1, results.cpu.c4, results.io.c1,
// results.io.c4, concurrency, no_leftovers, cancellation (see docs/plugin-authoring.md).
// A run() that never returns is reported FAIL and the process exits at once.
//
//   int exit_code = ValidatePlugin("build/plugins/std_async.so", frame_fd);  // 0: all passed
#ifndef PARLAB_RUNNER_VALIDATE_H_
#define PARLAB_RUNNER_VALIDATE_H_

#include <string>

namespace parlab::runner {

// Returns 0 when no check failed (skips allowed), 1 otherwise. Installs the SIGTERM cancel
// handler; the cancellation check signals our process group when we lead it (start the runner
// with POSIX_SPAWN_SETPGROUP so that forked children are cancelled too).
int ValidatePlugin(const std::string& plugin_path, int report_fd);

}  // namespace parlab::runner

#endif  // PARLAB_RUNNER_VALIDATE_H_

// The `parlab` subcommands. Each returns the process exit status: 0 every job OK, 1 some job
// failed (results still printed), 2 bad plan / arguments / unreachable daemon, 130 interrupted.
//
//   Interrupt interrupt;
//   SignalWatcher watcher([&](int) { interrupt.OnSignal(); });
//   return RunCommand(options, interrupt);
#ifndef PARLAB_COORDINATOR_CLI_COMMANDS_H_
#define PARLAB_COORDINATOR_CLI_COMMANDS_H_

#include <sys/types.h>

#include <atomic>

#include "args.h"
#include "parlab/cluster/cancel.h"
#include "parlab/common/flags.h"

namespace parlab::cli {

// The exit statuses every parlab program shares (common/flags.h).
using flags::kExitInterrupted;
using flags::kExitOk;
using flags::kExitUsage;
inline constexpr int kExitJobFailed = flags::kExitJobsFailed;

// Ctrl-C: the first one cancels the run (jobs in flight end CANCELLED, partial results are
// printed); a second one tells the local worker to stop (it stops its runner on its own) and
// exits at once.
struct Interrupt {
  cluster::RunCanceller canceller;
  std::atomic<pid_t> local_worker_pgid{0};
  std::atomic<int> signals{0};
  std::atomic<bool> serving{false};  // `parlab serve`: the first signal stops the dashboard

  // Called on the signal watcher thread.
  void OnSignal();
};

int RunCommand(const CliOptions& options, Interrupt& interrupt);
int WorkersCommand(const CliOptions& options, Interrupt& interrupt);
// `parlab serve`: the dashboard until Ctrl-C (0), or 2 when the store or address is bad.
int ServeCommand(const CliOptions& options, Interrupt& interrupt);

}  // namespace parlab::cli

#endif  // PARLAB_COORDINATOR_CLI_COMMANDS_H_

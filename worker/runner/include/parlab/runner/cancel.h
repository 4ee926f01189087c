// The job's cancel flag: set by SIGTERM (the daemon's kill(-pgid, SIGTERM)), read by plugins
// through parlab_job_t::is_cancelled and by the runner between repetitions.
//
//   InstallCancelHandler();          // once, in main()
//   if (IsCancelled()) return ...;
#ifndef PARLAB_RUNNER_CANCEL_H_
#define PARLAB_RUNNER_CANCEL_H_

namespace parlab::runner {

// Installs the SIGTERM handler (SA_RESTART, so that pipe reads and writes are not cut short).
void InstallCancelHandler();

// [async-signal-safe, thread-safe] Sets the flag, as SIGTERM does. Tests call it directly.
void RequestCancel();

// [thread-safe] Clears the flag (tests running several jobs in one process).
void ResetCancel();

// [async-signal-safe, thread-safe]
bool IsCancelled();

}  // namespace parlab::runner

#endif  // PARLAB_RUNNER_CANCEL_H_

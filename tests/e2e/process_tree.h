// Child processes and process-tree inspection for the cluster tests: a command started in its
// own process group with its stdout and stderr collected in the background (so the test can
// act mid-run, e.g. send SIGINT once progress shows), and a /proc scan of every process that
// descends from the test, to prove that nothing is left behind. Spawning, waiting and /proc
// reading are tests/support's; what is here is the background collection and the tree.
//
//   BecomeSubreaper();  // orphans of our descendants re-parent to us, where the scan sees them
//   Child run({PARLAB_CLI_BIN, "run", plan});
//   run.WaitForOutput([](const std::string&, const std::string& err) {
//     return err.find("measure 2/") != std::string::npos; }, absl::Seconds(30));
//   run.Signal(SIGINT);
//   std::optional<int> code = run.Wait(absl::Seconds(20));
//   std::vector<ProcInfo> left = Descendants(getpid());
#ifndef PARLAB_TESTS_E2E_PROCESS_TREE_H_
#define PARLAB_TESTS_E2E_PROCESS_TREE_H_

#include <sys/types.h>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "support/child_process.h"
#include "support/proc.h"

namespace parlab::cluster_test {

using test_support::ProcInfo;

class Child {
 public:
  // Starts argv (argv[0] a path) with stdin from /dev/null, in a new process group.
  explicit Child(const std::vector<std::string>& argv);
  // SIGTERM to the group, SIGKILL after 5 s, then reaped.
  ~Child();
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;

  bool started() const { return child_ != nullptr; }
  const std::string& error() const { return error_; }
  pid_t pid() const { return child_ != nullptr ? child_->pid() : -1; }
  std::string out() const;
  std::string err() const;

  // Polls until `ready(out, err)` holds, the child exits, or the timeout passes.
  bool WaitForOutput(const std::function<bool(const std::string&, const std::string&)>& ready,
                     absl::Duration timeout);
  // The address from a daemon's "... listening on HOST:PORT" line; empty on timeout.
  std::string WaitForListening(absl::Duration timeout);
  // Sends `signal` to the child's process group (a terminal's Ctrl-C reaches the group).
  void Signal(int signal) const;
  // Exit code (128 + signal when killed); nullopt when it is still running at the timeout.
  std::optional<int> Wait(absl::Duration timeout);
  // SIGKILL to the group, then reaped.
  void Kill();

 private:
  void ReadLoop(int out_fd, int err_fd);

  std::unique_ptr<test_support::ChildProcess> child_;
  std::string error_;
  mutable absl::Mutex mutex_;
  std::string out_ ABSL_GUARDED_BY(mutex_);
  std::string err_ ABSL_GUARDED_BY(mutex_);
  std::thread reader_;
};

// Makes the calling process a child subreaper (prctl PR_SET_CHILD_SUBREAPER).
bool BecomeSubreaper();

// Every process whose parent chain reaches `root` (root itself excluded), from /proc.
std::vector<ProcInfo> Descendants(pid_t root);

// Reaps zombies that were re-parented to this process (orphans that died), except `keep`.
// Returns how many it reaped.
int ReapAdoptedZombies(const std::vector<pid_t>& keep);

// SIGKILLs every descendant of this process except `keep` and reaps what it can: the test's
// last line of defence, so a failed test leaves nothing running.
void KillDescendants(const std::vector<pid_t>& keep);

}  // namespace parlab::cluster_test

#endif  // PARLAB_TESTS_E2E_PROCESS_TREE_H_

// Processes as /proc shows them, for tests that check what a program left running: each
// process's parent, state and name, read from /proc/PID/stat.
//
//   for (const ProcInfo& p : AllProcesses()) if (p.ppid == daemon_pid) children.push_back(p.pid);
#ifndef PARLAB_TESTS_SUPPORT_PROC_H_
#define PARLAB_TESTS_SUPPORT_PROC_H_

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

namespace parlab::test_support {

struct ProcInfo {
  pid_t pid = 0;
  pid_t ppid = 0;
  char state = '?';  // 'Z': zombie
  std::string comm;
  std::string ToString() const;  // "123 (parlab-worker) state S ppid 1"
};

// Process `pid`, or nullopt when it is gone (or its stat cannot be parsed).
std::optional<ProcInfo> ReadProcInfo(pid_t pid);

// Every process /proc lists now.
std::vector<ProcInfo> AllProcesses();

}  // namespace parlab::test_support

#endif  // PARLAB_TESTS_SUPPORT_PROC_H_

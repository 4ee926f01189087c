#include "support/proc.h"

#include <dirent.h>

#include <fstream>
#include <iterator>
#include <sstream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace parlab::test_support {

std::string ProcInfo::ToString() const {
  return absl::StrCat(pid, " (", comm, ") state ", std::string(1, state), " ppid ", ppid);
}

std::optional<ProcInfo> ReadProcInfo(pid_t pid) {
  std::ifstream file(absl::StrCat("/proc/", pid, "/stat"));
  std::string text((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  // "pid (comm) S ppid ...": comm may hold spaces and parentheses, so split at the last ')'.
  const size_t open = text.find('(');
  const size_t close = text.rfind(')');
  if (open == std::string::npos || close == std::string::npos || close + 2 >= text.size()) {
    return std::nullopt;
  }
  ProcInfo info;
  info.pid = pid;
  info.comm = text.substr(open + 1, close - open - 1);
  std::istringstream rest(text.substr(close + 2));
  rest >> info.state >> info.ppid;
  if (!rest) return std::nullopt;
  return info;
}

std::vector<ProcInfo> AllProcesses() {
  std::vector<ProcInfo> all;
  DIR* dir = opendir("/proc");
  if (dir == nullptr) return all;
  while (dirent* entry = readdir(dir)) {
    int pid = 0;
    if (!absl::SimpleAtoi(entry->d_name, &pid)) continue;
    if (std::optional<ProcInfo> info = ReadProcInfo(pid)) all.push_back(*info);
  }
  closedir(dir);
  return all;
}

}  // namespace parlab::test_support

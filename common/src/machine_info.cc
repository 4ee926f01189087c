#include "parlab/common/machine_info.h"

#include <sys/utsname.h>
#include <unistd.h>

#include <fstream>
#include <string>
#include <thread>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace parlab {
namespace {

std::string CpuModelFromProc() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line)) {
    if (absl::StartsWith(line, "model name")) {
      auto colon = line.find(':');
      if (colon != std::string::npos) {
        return std::string(absl::StripAsciiWhitespace(line.substr(colon + 1)));
      }
    }
  }
  return "unknown";
}

}  // namespace

v1::MachineInfo CollectMachineInfo() {
  v1::MachineInfo info;
  char host[256] = {};
  if (gethostname(host, sizeof(host) - 1) == 0) info.set_hostname(host);
  info.set_cpu_model(CpuModelFromProc());
  long cores = sysconf(_SC_NPROCESSORS_ONLN);
  info.set_logical_cores(cores > 0 ? static_cast<int32_t>(cores)
                                   : static_cast<int32_t>(std::thread::hardware_concurrency()));
  long pages = sysconf(_SC_PHYS_PAGES);
  long page_size = sysconf(_SC_PAGE_SIZE);
  if (pages > 0 && page_size > 0) info.set_memory_bytes(int64_t{pages} * page_size);
  struct utsname uts {};
  if (uname(&uts) == 0) info.set_kernel(absl::StrCat(uts.sysname, " ", uts.release));
  info.set_parlab_version(kParlabVersion);
  return info;
}

}  // namespace parlab

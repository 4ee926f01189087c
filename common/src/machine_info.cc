#include "parlab/common/machine_info.h"

#include <hwloc.h>
#include <stdlib.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <fstream>
#include <map>
#include <string>
#include <thread>
#include <tuple>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/strip.h"

namespace parlab {
namespace {

// The value after the colon of the first /proc/cpuinfo line starting with `key`, or "".
std::string CpuinfoField(absl::string_view key) {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line)) {
    if (!absl::StartsWith(line, key)) continue;
    const auto colon = line.find(':');
    if (colon != std::string::npos) {
      return std::string(absl::StripAsciiWhitespace(line.substr(colon + 1)));
    }
  }
  return "";
}

std::string FirstLine(const char* path) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  return std::string(absl::StripAsciiWhitespace(line));
}

// PRETTY_NAME="Debian GNU/Linux 12 (bookworm)" -> Debian GNU/Linux 12 (bookworm)
std::string OsPrettyName() {
  std::ifstream in("/etc/os-release");
  std::string line;
  while (std::getline(in, line)) {
    absl::string_view value = line;
    if (!absl::ConsumePrefix(&value, "PRETTY_NAME=")) continue;
    value = absl::StripAsciiWhitespace(value);
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
      value = value.substr(1, value.size() - 2);
    }
    return std::string(value);
  }
  return "";
}

std::string Compiler() {
#if defined(__clang__)
  return absl::StrCat("Clang ", __clang_major__, ".", __clang_minor__, ".", __clang_patchlevel__);
#elif defined(__GNUC__)
  return absl::StrCat("GCC ", __GNUC__, ".", __GNUC_MINOR__, ".", __GNUC_PATCHLEVEL__);
#else
  return "unknown";
#endif
}

const char* CacheTypeName(hwloc_obj_cache_type_t type) {
  switch (type) {
    case HWLOC_OBJ_CACHE_DATA:
      return "data";
    case HWLOC_OBJ_CACHE_INSTRUCTION:
      return "instruction";
    default:
      return "unified";
  }
}

// The topology counts and caches, from one hwloc load. Errors leave the counts at 0 and say
// why in `error`, so the rest of the description still works on a machine hwloc cannot read.
struct Topology {
  int32_t packages = 0, cores = 0, pus = 0, numa_nodes = 0;
  std::vector<v1::CacheInfo> caches;
  std::string error;
};

Topology ReadTopology() {
  Topology t;
  hwloc_topology_t topo;
  if (hwloc_topology_init(&topo) != 0) {
    t.error = "hwloc: cannot initialize a topology";
    return t;
  }
  // Instruction caches are filtered out by default; the description lists every cache.
  hwloc_topology_set_icache_types_filter(topo, HWLOC_TYPE_FILTER_KEEP_ALL);
  if (hwloc_topology_load(topo) != 0) {
    t.error = "hwloc: cannot read the machine's topology";
    hwloc_topology_destroy(topo);
    return t;
  }
  t.packages = hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_PACKAGE);
  t.cores = hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_CORE);
  t.pus = hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_PU);
  t.numa_nodes = hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_NUMANODE);
  // Some VMs expose neither packages nor cores: count the PUs as both rather than report 0.
  if (t.cores == 0) t.cores = t.pus;
  if (t.packages == 0 && t.pus > 0) t.packages = 1;

  // Group identical caches: (level, type, size) -> how many.
  std::map<std::tuple<int32_t, std::string, int64_t>, int32_t> counts;
  for (hwloc_obj_type_t type :
       {HWLOC_OBJ_L1CACHE, HWLOC_OBJ_L2CACHE, HWLOC_OBJ_L3CACHE, HWLOC_OBJ_L4CACHE,
        HWLOC_OBJ_L5CACHE, HWLOC_OBJ_L1ICACHE, HWLOC_OBJ_L2ICACHE, HWLOC_OBJ_L3ICACHE}) {
    hwloc_obj_t obj = nullptr;
    while ((obj = hwloc_get_next_obj_by_type(topo, type, obj)) != nullptr) {
      const auto& cache = obj->attr->cache;
      ++counts[{static_cast<int32_t>(cache.depth), CacheTypeName(cache.type),
                static_cast<int64_t>(cache.size)}];
    }
  }
  for (const auto& [key, count] : counts) {
    v1::CacheInfo& cache = t.caches.emplace_back();
    cache.set_level(std::get<0>(key));
    cache.set_type(std::get<1>(key));
    cache.set_size_bytes(std::get<2>(key));
    cache.set_count(count);
  }
  hwloc_topology_destroy(topo);
  return t;
}

// What does not change while the process lives, read once.
struct StaticInfo {
  std::string cpu_model, kernel, os, compiler;
  int64_t memory_bytes = 0;
  int32_t online_cpus = 0;
  Topology topology;
};

const StaticInfo& Static() {
  static const StaticInfo* const info = [] {
    auto* s = new StaticInfo;
    s->cpu_model = CpuinfoField("model name");
    if (s->cpu_model.empty()) s->cpu_model = "unknown";
    struct utsname uts {};
    if (uname(&uts) == 0) s->kernel = absl::StrCat(uts.sysname, " ", uts.release);
    s->os = OsPrettyName();
    s->compiler = Compiler();
    const long pages = sysconf(_SC_PHYS_PAGES);
    const long page_size = sysconf(_SC_PAGE_SIZE);
    if (pages > 0 && page_size > 0) s->memory_bytes = int64_t{pages} * page_size;
    const long online = sysconf(_SC_NPROCESSORS_ONLN);
    s->online_cpus = online > 0 ? static_cast<int32_t>(online)
                                : static_cast<int32_t>(std::thread::hardware_concurrency());
    s->topology = ReadTopology();
    return s;
  }();
  return *info;
}

// The current clock of cpu0: cpufreq's (kHz) when the kernel has it, else /proc/cpuinfo's.
double CurrentMhz() {
  double khz = 0;
  if (absl::SimpleAtod(FirstLine("/sys/devices/system/cpu/cpu0/cpufreq/scaling_cur_freq"), &khz) &&
      khz > 0) {
    return khz / 1000.0;
  }
  double mhz = 0;
  return absl::SimpleAtod(CpuinfoField("cpu MHz"), &mhz) ? mhz : 0.0;
}

}  // namespace

std::vector<std::string> MachineWarnings(const v1::MachineInfo& info) {
  std::vector<std::string> warnings;
  if (!info.governor().empty() && info.governor() != "performance") {
    warnings.push_back(
        absl::StrCat("cpufreq governor is \"", info.governor(), "\" (use \"performance\")"));
  }
  if (info.pus() > 0 && info.load_avg_1m() > 0.5 * info.pus()) {
    warnings.push_back(absl::StrFormat("load average %.2f on %d PUs: timings will be noisy",
                                       info.load_avg_1m(), info.pus()));
  }
  return warnings;
}

v1::MachineInfo CollectMachineInfo() {
  const StaticInfo& s = Static();
  v1::MachineInfo info;
  char host[256] = {};
  if (gethostname(host, sizeof(host) - 1) == 0) info.set_hostname(host);
  info.set_cpu_model(s.cpu_model);
  info.set_memory_bytes(s.memory_bytes);
  info.set_kernel(s.kernel);
  info.set_parlab_version(kParlabVersion);
  info.set_os(s.os);
  info.set_compiler(s.compiler);

  const Topology& t = s.topology;
  // hwloc counts the PUs this process may use (a cgroup cpuset leaves some out); that is the
  // figure efficiency should divide by, so logical_cores follows it when hwloc worked.
  info.set_logical_cores(t.pus > 0 ? t.pus : s.online_cpus);
  info.set_pus(t.pus > 0 ? t.pus : s.online_cpus);
  info.set_cores(t.cores > 0 ? t.cores : info.pus());
  info.set_packages(t.packages);
  info.set_numa_nodes(t.numa_nodes);
  for (const v1::CacheInfo& cache : t.caches) *info.add_caches() = cache;
  info.set_smt(info.pus() > info.cores());

  info.set_governor(FirstLine("/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor"));
  info.set_mhz(CurrentMhz());
  double load[3] = {0, 0, 0};
  if (getloadavg(load, 3) == 3) {
    info.set_load_avg_1m(load[0]);
    info.set_load_avg_5m(load[1]);
    info.set_load_avg_15m(load[2]);
  }
  for (std::string& warning : MachineWarnings(info)) info.add_warnings(std::move(warning));
  if (!t.error.empty()) info.add_warnings(t.error);
  return info;
}

}  // namespace parlab

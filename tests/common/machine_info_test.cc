// CollectMachineInfo on this machine (what hwloc and /proc see must be consistent), and the
// warning rules on synthetic inputs.
#include "parlab/common/machine_info.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>
#include <set>
#include <string>

#include "absl/strings/ascii.h"

namespace parlab {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

bool Exists(const char* path) {
  struct stat st {};
  return stat(path, &st) == 0;
}

TEST(MachineInfo, TopologyIsConsistent) {
  const v1::MachineInfo info = CollectMachineInfo();
  EXPECT_FALSE(info.hostname().empty());
  EXPECT_FALSE(info.kernel().empty());
  EXPECT_GE(info.pus(), 1);
  EXPECT_EQ(info.pus(), info.logical_cores());
  EXPECT_GE(info.cores(), 1);
  EXPECT_LE(info.cores(), info.pus());
  EXPECT_GE(info.packages(), 1);
  EXPECT_LE(info.packages(), info.cores());
  EXPECT_GE(info.numa_nodes(), 1);
  EXPECT_EQ(info.smt(), info.pus() > info.cores());
  EXPECT_THAT(info.compiler(), ::testing::MatchesRegex("(GCC|Clang) [0-9]+\\.[0-9]+\\.[0-9]+"));
  if (Exists("/etc/os-release")) {
    EXPECT_FALSE(info.os().empty());
  }
}

TEST(MachineInfo, CachesAsTheKernelExposesThem) {
  const v1::MachineInfo info = CollectMachineInfo();
  // hwloc reads caches from sysfs; where the VM exposes them, they must show up.
  if (Exists("/sys/devices/system/cpu/cpu0/cache/index0")) {
    EXPECT_FALSE(info.caches().empty());
  }
  std::set<std::pair<int, std::string>> seen;
  for (const v1::CacheInfo& cache : info.caches()) {
    SCOPED_TRACE(cache.DebugString());
    EXPECT_GE(cache.level(), 1);
    EXPECT_LE(cache.level(), 5);
    EXPECT_TRUE(cache.type() == "data" || cache.type() == "instruction" ||
                cache.type() == "unified");
    EXPECT_GT(cache.size_bytes(), 0);
    EXPECT_GE(cache.count(), 1);
    EXPECT_LE(cache.count(), info.pus());  // never more caches of one kind than PUs
    seen.insert({cache.level(), cache.type()});
  }
}

TEST(MachineInfo, GovernorIsCpu0sOrEmpty) {
  const v1::MachineInfo info = CollectMachineInfo();
  std::ifstream in("/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor");
  std::string governor;
  std::getline(in, governor);
  EXPECT_EQ(info.governor(), absl::StripAsciiWhitespace(governor));
}

TEST(MachineInfo, LoadAndWarningsAreOfTheMoment) {
  const v1::MachineInfo info = CollectMachineInfo();
  EXPECT_GE(info.load_avg_1m(), 0);
  EXPECT_GE(info.load_avg_5m(), 0);
  EXPECT_GE(info.load_avg_15m(), 0);
  EXPECT_GE(info.mhz(), 0);
  // The warnings are exactly what the rules say for the figures collected.
  const std::vector<std::string> expected = MachineWarnings(info);
  EXPECT_EQ(std::vector<std::string>(info.warnings().begin(), info.warnings().end()), expected);
}

TEST(MachineInfo, TopologyIsStableAcrossCalls) {
  const v1::MachineInfo a = CollectMachineInfo();
  const v1::MachineInfo b = CollectMachineInfo();
  EXPECT_EQ(a.pus(), b.pus());
  EXPECT_EQ(a.cores(), b.cores());
  EXPECT_EQ(a.caches_size(), b.caches_size());
  EXPECT_EQ(a.cpu_model(), b.cpu_model());
}

v1::MachineInfo Conditions(const std::string& governor, double load_1m, int pus) {
  v1::MachineInfo info;
  info.set_governor(governor);
  info.set_load_avg_1m(load_1m);
  info.set_pus(pus);
  return info;
}

TEST(MachineWarnings, GovernorOtherThanPerformance) {
  EXPECT_THAT(MachineWarnings(Conditions("powersave", 0, 2)),
              ElementsAre("cpufreq governor is \"powersave\" (use \"performance\")"));
  EXPECT_THAT(MachineWarnings(Conditions("performance", 0, 2)), IsEmpty());
  // No cpufreq at all (most VMs): nothing to warn about.
  EXPECT_THAT(MachineWarnings(Conditions("", 0, 2)), IsEmpty());
}

TEST(MachineWarnings, LoadAboveHalfThePus) {
  EXPECT_THAT(MachineWarnings(Conditions("", 1.62, 2)),
              ElementsAre("load average 1.62 on 2 PUs: timings will be noisy"));
  EXPECT_THAT(MachineWarnings(Conditions("", 1.0, 2)), IsEmpty());  // exactly half: fine
  EXPECT_THAT(MachineWarnings(Conditions("", 1.01, 2)),
              ElementsAre("load average 1.01 on 2 PUs: timings will be noisy"));
  EXPECT_THAT(MachineWarnings(Conditions("", 30, 64)), IsEmpty());
  EXPECT_THAT(MachineWarnings(Conditions("", 3, 0)), IsEmpty());  // PUs unknown
}

TEST(MachineWarnings, BothInOrder) {
  EXPECT_THAT(MachineWarnings(Conditions("ondemand", 7.5, 4)),
              ElementsAre("cpufreq governor is \"ondemand\" (use \"performance\")",
                          "load average 7.50 on 4 PUs: timings will be noisy"));
}

}  // namespace
}  // namespace parlab

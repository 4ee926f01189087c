// What machine this is: hostname, CPU model, memory, kernel, OS, compiler, the hwloc topology
// (packages, cores, PUs, NUMA nodes, caches, SMT), the cpufreq governor, the clock, the load
// average, and warnings about conditions that make timings unreliable right now.
//
// The static part (topology, CPU model, OS) is read once per process and cached, so calling
// CollectMachineInfo() on every Describe costs a few small reads of /proc and /sys: the
// governor, the clock and the load average are read afresh each time.
//
//   v1::MachineInfo info = parlab::CollectMachineInfo();
//   for (const std::string& warning : info.warnings()) std::cerr << "warning: " << warning;
#ifndef PARLAB_COMMON_MACHINE_INFO_H_
#define PARLAB_COMMON_MACHINE_INFO_H_

#include <string>
#include <vector>

#include "parlab/v1/parlab.pb.h"

namespace parlab {

inline constexpr char kParlabVersion[] = "0.1.0";

// [thread-safe] Everything above, with `warnings` = MachineWarnings() of the result.
v1::MachineInfo CollectMachineInfo();

// Pure: the warnings for `info`'s governor, load_avg_1m and pus (the other fields are not
// read). A governor other than "performance" (when the kernel exposes one) lets the clock
// drift between repetitions; a 1-minute load above half the PUs means other work competes
// for the cores:
//   cpufreq governor is "powersave" (use "performance")
//   load average 1.62 on 2 PUs: timings will be noisy
std::vector<std::string> MachineWarnings(const v1::MachineInfo& info);

}  // namespace parlab

#endif  // PARLAB_COMMON_MACHINE_INFO_H_

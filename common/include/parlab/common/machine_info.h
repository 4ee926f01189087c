// What machine this is: hostname, CPU model, logical cores, memory, kernel, parlab version.
// Read from uname(), /proc/cpuinfo and sysconf(): cheap enough to call once per Describe.
//
//   v1::MachineInfo info = parlab::CollectMachineInfo();
#ifndef PARLAB_COMMON_MACHINE_INFO_H_
#define PARLAB_COMMON_MACHINE_INFO_H_

#include "parlab/v1/parlab.pb.h"

namespace parlab {

inline constexpr char kParlabVersion[] = "0.1.0";

v1::MachineInfo CollectMachineInfo();

}  // namespace parlab

#endif  // PARLAB_COMMON_MACHINE_INFO_H_

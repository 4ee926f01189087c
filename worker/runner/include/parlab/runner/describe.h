// The answer to `parlab-runner --describe`: every model plugin found in the plugin directories,
// every workload this build knows, and every plugin refused with the reason.
//
//   v1::WorkerDescription d = DescribePlugins({"build/lib/parlab/plugins"});
#ifndef PARLAB_RUNNER_DESCRIBE_H_
#define PARLAB_RUNNER_DESCRIBE_H_

#include <string>
#include <vector>

#include "parlab/v1/parlab.pb.h"

namespace parlab::runner {

// Loads every *.so in `dirs`, in order (names sorted within a directory). The first plugin with
// a given model name wins; later ones are refused as duplicates. A directory that cannot be
// read is listed as refused, not fatal. `machine` is left empty (the daemon fills it in).
v1::WorkerDescription DescribePlugins(const std::vector<std::string>& dirs);

}  // namespace parlab::runner

#endif  // PARLAB_RUNNER_DESCRIBE_H_

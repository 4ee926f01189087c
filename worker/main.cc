// parlab-worker: the worker daemon. Serves WorkerService on --listen and runs each job in a
// fresh parlab-runner child process. See parlab/worker/server.h.
#include <iostream>
#include <string>
#include <vector>

#include "parlab/common/flags.h"
#include "parlab/common/machine_info.h"
#include "parlab/worker/flags.h"
#include "parlab/worker/server.h"

int main(int argc, char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  absl::StatusOr<parlab::WorkerOptions> options =
      parlab::ParseWorkerFlags(args, parlab::ExecutableDir());
  if (!options.ok()) {
    if (absl::IsCancelled(options.status())) {
      std::cout << parlab::WorkerUsage();
      return 0;
    }
    std::cerr << "parlab-worker: " << options.status().message() << "\n" << parlab::WorkerUsage();
    return parlab::flags::kExitUsage;
  }
  if (options->print_version) {
    std::cout << "parlab-worker " << parlab::kParlabVersion << "\n";
    return 0;
  }
  absl::Status status = parlab::RunServer(*options);
  if (!status.ok()) {
    std::cerr << "parlab-worker: " << status.message() << "\n";
    return parlab::flags::kExitUsage;  // it could not start (a busy port, no runner, ...)
  }
  return 0;
}

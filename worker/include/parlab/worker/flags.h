// Command-line flags of `parlab-worker`, parsed into WorkerOptions (kept apart from main() so
// that tests can check them).
//
//   absl::StatusOr<WorkerOptions> options = ParseWorkerFlags({"--listen", "127.0.0.1:0"},
//                                                            ExecutableDir());
//   if (!options.ok()) { std::cerr << options.status().message() << "\n" << kWorkerUsage; }
#ifndef PARLAB_WORKER_FLAGS_H_
#define PARLAB_WORKER_FLAGS_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace parlab {

inline constexpr char kWorkerUsage[] =
    "usage: parlab-worker [--listen HOST:PORT] [--plugins DIR[:DIR...]] [--runner PATH]\n"
    "  --listen HOST:PORT   address to serve on (default 127.0.0.1:0: any free port)\n"
    "  --plugins DIRS       colon-separated plugin folders, searched in order\n"
    "                       (default <exe_dir>/../lib/parlab/plugins)\n"
    "  --runner PATH        the parlab-runner executable (default <exe_dir>/parlab-runner)\n";

struct WorkerOptions {
  std::string listen = "127.0.0.1:0";
  std::vector<std::string> plugin_dirs;
  std::string runner_path;
};

// Parses the arguments after argv[0]; `--flag VALUE` and `--flag=VALUE` both work. Defaults
// are relative to `exe_dir`. Errors name the flag and the value. "--help" yields a
// CANCELLED status (print usage, exit 0).
[[nodiscard]] absl::StatusOr<WorkerOptions> ParseWorkerFlags(const std::vector<std::string>& args,
                                                             const std::string& exe_dir);

// The folder of the running executable (from /proc/self/exe), or "." if it cannot be read.
std::string ExecutableDir();

}  // namespace parlab

#endif  // PARLAB_WORKER_FLAGS_H_

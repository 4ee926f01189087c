// Loading model plugins: dlopen, the entry symbol, the ABI version check (FIRST, before any
// other field is read), and the sanity checks on the entry.
//
//   PARLAB_ASSIGN_OR_RETURN(Plugin plugin, LoadPlugin("build/lib/parlab/plugins/threads.so"));
//   plugin.entry->run(job, &error);
#ifndef PARLAB_RUNNER_PLUGIN_LOADER_H_
#define PARLAB_RUNNER_PLUGIN_LOADER_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "parlab/model_abi.h"
#include "parlab/v1/parlab.pb.h"

namespace parlab::runner {

// The ABI versions this runner can host (see the compatibility policy in model_abi.h).
inline constexpr uint32_t kMinAbiVersion = 1;
inline constexpr uint32_t kMaxAbiVersion = PARLAB_ABI_VERSION;
// The first version whose entry has concurrency_bounds.
inline constexpr uint32_t kConcurrencyBoundsSince = 2;

struct Plugin {
  std::string path;
  const parlab_model_entry_t* entry = nullptr;  // valid for the life of the process
};

// The entry's PARLAB_BOUNDS_*. A version-1 entry ends before concurrency_bounds, so reading the
// field would read past the plugin's struct: its bound is the documented default,
// PARLAB_BOUNDS_TASKS. The host reads the bound only through this. `entry` must have passed
// LoadPlugin's version check.
uint32_t ConcurrencyBoundsOf(const parlab_model_entry_t& entry);

// Loads the plugin at `path`. Plugins are never unloaded: a model may leave thread-locals or
// atexit handlers behind, and the runner is a short-lived process anyway. Errors read
// "plugin PATH: <reason>", e.g. "plugin x.so: ABI version 999 is not supported (this runner
// supports 1..2)".
[[nodiscard]] absl::StatusOr<Plugin> LoadPlugin(const std::string& path);

// What the daemon publishes about a loaded plugin.
v1::ModelInfo DescribeModel(const Plugin& plugin);

}  // namespace parlab::runner

#endif  // PARLAB_RUNNER_PLUGIN_LOADER_H_

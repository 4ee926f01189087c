#include "parlab/runner/plugin_loader.h"

#include <dlfcn.h>

#include "absl/strings/str_cat.h"

namespace parlab::runner {
namespace {

absl::Status Refuse(const std::string& path, absl::string_view reason) {
  return absl::FailedPreconditionError(absl::StrCat("plugin ", path, ": ", reason));
}

const char* OrEmpty(const char* text) { return text != nullptr ? text : ""; }

}  // namespace

uint32_t ConcurrencyBoundsOf(const parlab_model_entry_t& entry) {
  if (entry.abi_version < kConcurrencyBoundsSince) return PARLAB_BOUNDS_TASKS;
  return entry.concurrency_bounds;
}

absl::StatusOr<Plugin> LoadPlugin(const std::string& path) {
  // RTLD_NOW: an unresolved symbol fails here, not in the middle of a measured run.
  // RTLD_LOCAL: two plugins' internals never bind to each other.
  // A name without a slash would make dlopen search the library path, not the current directory.
  const std::string file = path.find('/') == std::string::npos ? "./" + path : path;
  void* handle = dlopen(file.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) {
    const char* error = dlerror();
    return Refuse(path, absl::StrCat("cannot load: ", error != nullptr ? error : "unknown error"));
  }
  const auto* entry =
      static_cast<const parlab_model_entry_t*>(dlsym(handle, PARLAB_MODEL_ENTRY_SYMBOL));
  if (entry == nullptr) {
    return Refuse(path, absl::StrCat("no ", PARLAB_MODEL_ENTRY_SYMBOL,
                                     " symbol (not a parlab model plugin?)"));
  }
  // The version decides the layout of everything after it: check it before reading anything else.
  const uint32_t version = entry->abi_version;
  if (version < kMinAbiVersion || version > kMaxAbiVersion) {
    return Refuse(path,
                  absl::StrCat("ABI version ", version, " is not supported (this runner supports ",
                               kMinAbiVersion, "..", kMaxAbiVersion, ")"));
  }
  if (entry->name == nullptr || entry->name[0] == '\0') {
    return Refuse(path, "the entry has an empty model name");
  }
  if (entry->run == nullptr) {
    return Refuse(path, absl::StrCat("model ", entry->name, " has no run function"));
  }
  if (const uint32_t bounds = ConcurrencyBoundsOf(*entry);
      bounds != PARLAB_BOUNDS_TASKS && bounds != PARLAB_BOUNDS_THREADS) {
    return Refuse(path, absl::StrCat("model ", entry->name, " has concurrency_bounds ", bounds,
                                     " (known: 0 tasks, 1 threads)"));
  }
  return Plugin{path, entry};
}

v1::ModelInfo DescribeModel(const Plugin& plugin) {
  v1::ModelInfo info;
  info.set_name(plugin.entry->name);
  info.set_version(OrEmpty(plugin.entry->version));
  info.set_abi_version(plugin.entry->abi_version);
  info.set_description(OrEmpty(plugin.entry->description));
  info.set_path(plugin.path);
  info.set_max_concurrency(static_cast<int32_t>(plugin.entry->max_concurrency));
  info.set_concurrency_bounds(
      ConcurrencyBoundsOf(*plugin.entry) == PARLAB_BOUNDS_THREADS ? "threads" : "tasks");
  return info;
}

}  // namespace parlab::runner

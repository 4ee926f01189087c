#include "parlab/runner/describe.h"

#include <dirent.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <map>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "parlab/runner/plugin_loader.h"
#include "parlab/workloads/workload.h"

namespace parlab::runner {
namespace {

void Refuse(v1::WorkerDescription& description, const std::string& path,
            const std::string& reason) {
  v1::RefusedPlugin* refused = description.add_refused();
  refused->set_path(path);
  refused->set_reason(reason);
}

// The *.so names in `dir`, sorted so that "first wins" does not depend on readdir order.
absl::StatusOr<std::vector<std::string>> ListPluginFiles(const std::string& dir) {
  DIR* handle = opendir(dir.c_str());
  if (handle == nullptr) {
    return absl::NotFoundError(
        absl::StrCat("plugin directory ", dir, ": cannot open: ", std::strerror(errno)));
  }
  std::vector<std::string> names;
  while (const dirent* entry = readdir(handle)) {
    if (absl::EndsWith(entry->d_name, ".so")) names.push_back(entry->d_name);
  }
  closedir(handle);
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace

v1::WorkerDescription DescribePlugins(const std::vector<std::string>& dirs) {
  v1::WorkerDescription description;
  std::map<std::string, std::string> loaded_from;  // model name -> path of the winner
  for (const std::string& dir : dirs) {
    absl::StatusOr<std::vector<std::string>> names = ListPluginFiles(dir);
    if (!names.ok()) {
      Refuse(description, dir, std::string(names.status().message()));
      continue;
    }
    for (const std::string& name : *names) {
      const std::string path = absl::StrCat(dir, absl::EndsWith(dir, "/") ? "" : "/", name);
      absl::StatusOr<Plugin> plugin = LoadPlugin(path);
      if (!plugin.ok()) {
        Refuse(description, path, std::string(plugin.status().message()));
        continue;
      }
      const std::string model = plugin->entry->name;
      auto [it, inserted] = loaded_from.emplace(model, path);
      if (!inserted) {
        Refuse(description, path,
               absl::StrCat("plugin ", path, ": duplicate model name \"", model,
                            "\" (already loaded from ", it->second, ")"));
        continue;
      }
      *description.add_models() = DescribeModel(*plugin);
    }
  }
  for (v1::WorkloadInfo& info : workloads::ListWorkloads()) {
    *description.add_workloads() = std::move(info);
  }
  return description;
}

}  // namespace parlab::runner

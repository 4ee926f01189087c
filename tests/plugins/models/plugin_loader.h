// Loads model plugins for the conformance tests: dlopen + dlsym(PARLAB_MODEL_ENTRY_SYMBOL).
//
//   const parlab_model_entry_t* entry = LoadEntry(PluginPath("threads"));
//   std::vector<std::string> names = ListPlugins(PARLAB_PLUGIN_OUTPUT_DIR);
#ifndef PARLAB_TESTS_MODELS_PLUGIN_LOADER_H_
#define PARLAB_TESTS_MODELS_PLUGIN_LOADER_H_

#include <dlfcn.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "parlab/model_abi.h"

namespace parlab::testing {

// The stems of every *.so in `dir`, sorted ("threads" for threads.so).
inline std::vector<std::string> ListPlugins(const std::string& dir) {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& file : std::filesystem::directory_iterator(dir, ec)) {
    if (file.path().extension() == ".so") names.push_back(file.path().stem().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

inline std::string PluginPath(const std::string& name) {
  return std::string(PARLAB_PLUGIN_OUTPUT_DIR) + "/" + name + ".so";
}

inline std::string TestPluginPath(const std::string& name) {
  return std::string(PARLAB_TEST_PLUGIN_OUTPUT_DIR) + "/" + name + ".so";
}

// dlopen()s `path` (kept loaded for the rest of the process) and returns its entry, or
// nullptr with `why` set.
inline const parlab_model_entry_t* LoadEntry(const std::string& path, std::string* why = nullptr) {
  void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) {
    if (why != nullptr) *why = dlerror();
    return nullptr;
  }
  void* symbol = dlsym(handle, PARLAB_MODEL_ENTRY_SYMBOL);
  if (symbol == nullptr && why != nullptr) *why = "no symbol " PARLAB_MODEL_ENTRY_SYMBOL;
  return static_cast<const parlab_model_entry_t*>(symbol);
}

}  // namespace parlab::testing

#endif  // PARLAB_TESTS_MODELS_PLUGIN_LOADER_H_

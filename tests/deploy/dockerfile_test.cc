// deploy/docker/Dockerfile: there is no Docker engine here, so the image is never built by the
// suite. What can be checked without one: everything it COPYs from the context exists, and its
// runtime stage installs every Debian package whose libraries the built binaries and plugins
// load (directly or as a dependency of a listed package), so the image does not fail at start
// with a missing .so.
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "deploy/deploy_test_util.h"
#include "gtest/gtest.h"
#include "support/sanitized.h"

namespace parlab::deploy_test {
namespace {

namespace fs = std::filesystem;

std::string Dockerfile() { return ReadFile(DeployPath("docker/Dockerfile")); }

// The Dockerfile with `\`-continued lines joined into one.
std::vector<std::string> Instructions(const std::string& text) {
  std::vector<std::string> out;
  std::string current;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    line = absl::StripAsciiWhitespace(line);
    if (line.empty() || line[0] == '#') continue;
    const bool continued = absl::ConsumeSuffix(&line, "\\");
    current += std::string(line) + " ";
    if (!continued) {
      out.push_back(current);
      current.clear();
    }
  }
  return out;
}

// Which package ships each of `paths`, in one dpkg call (dpkg knows /lib paths under /usr on
// usrmerge systems, so each path is asked in both spellings and resolved).
std::map<std::string, std::string> PackagesOf(const std::set<std::string>& paths) {
  std::vector<std::string> argv = {"/usr/bin/dpkg", "-S"};
  for (const std::string& path : paths) {
    argv.insert(argv.end(), {path, "/usr" + path, fs::weakly_canonical(path).string()});
  }
  std::map<std::string, std::string> owner;  // any spelling -> package
  for (absl::string_view line :
       absl::StrSplit(e2e::RunToCompletion(argv, absl::Seconds(60)).out, '\n', absl::SkipEmpty())) {
    const size_t colon = line.find(": ");
    if (colon == absl::string_view::npos) continue;
    // "libfoo1:amd64: /usr/lib/x86_64-linux-gnu/libfoo.so.1"
    absl::string_view package = line.substr(0, colon);
    package = package.substr(0, package.find(':'));
    owner[std::string(line.substr(colon + 2))] = std::string(package);
  }
  std::map<std::string, std::string> out;
  for (const std::string& path : paths) {
    for (const std::string& spelling : {path, "/usr" + path, fs::weakly_canonical(path).string()}) {
      if (owner.count(spelling)) out[path] = owner[spelling];
    }
  }
  return out;
}

// Every installed package's dependencies (first of each set of alternatives), in one query.
std::map<std::string, std::vector<std::string>> InstalledDepends() {
  e2e::Completed run = e2e::RunToCompletion(
      {"/usr/bin/dpkg-query", "-W", "-f=${Package}\t${Depends}\n"}, absl::Seconds(60));
  std::map<std::string, std::vector<std::string>> depends;
  for (absl::string_view line : absl::StrSplit(run.out, '\n', absl::SkipEmpty())) {
    std::vector<absl::string_view> fields = absl::StrSplit(line, absl::MaxSplits('\t', 1));
    std::vector<std::string>& deps = depends[std::string(fields[0])];
    if (fields.size() < 2) continue;
    for (absl::string_view alternatives : absl::StrSplit(fields[1], ',', absl::SkipWhitespace())) {
      absl::string_view first =
          absl::StripAsciiWhitespace(alternatives.substr(0, alternatives.find('|')));
      deps.emplace_back(first.substr(0, first.find_first_of(" :(")));
    }
  }
  return depends;
}

TEST(DockerfileTest, CopiesOnlyFilesThatExist) {
  const std::vector<std::string> instructions = Instructions(Dockerfile());
  ASSERT_FALSE(instructions.empty()) << DeployPath("docker/Dockerfile") << " is missing";
  int copies = 0;
  for (const std::string& instruction : instructions) {
    std::vector<std::string> words = absl::StrSplit(instruction, ' ', absl::SkipEmpty());
    if (words[0] != "COPY" || words[1].rfind("--from=", 0) == 0) continue;
    ++copies;
    for (size_t i = 1; i + 1 < words.size(); ++i) {  // the last word is the destination
      EXPECT_TRUE(fs::exists(std::string(PARLAB_SOURCE_DIR) + "/" + words[i])) << instruction;
    }
  }
  EXPECT_GT(copies, 0);
  // The build stage skips the test-only packages; setup.sh must still know the switch.
  EXPECT_NE(ReadFile(std::string(PARLAB_SOURCE_DIR) + "/scripts/setup.sh")
                .find("PARLAB_SETUP_SKIP_TEST_DEPS"),
            std::string::npos);
}

TEST(DockerfileTest, RuntimeStageInstallsEveryLibraryTheBinariesLoad) {
  if (!fs::exists("/usr/bin/dpkg-query")) GTEST_SKIP() << "not a Debian system: no dpkg-query";
  if (parlab::testing::kSanitized) {
    GTEST_SKIP() << "a sanitizer build's binaries load the sanitizer runtimes (libasan, "
                    "libubsan, libtsan); the image is built without them";
  }
  // The runtime stage is everything after the last FROM; its apt-get install names packages.
  const std::string text = Dockerfile();
  const std::string runtime = text.substr(text.rfind("\nFROM "));
  std::set<std::string> provided;
  for (const std::string& instruction : Instructions(runtime)) {
    const size_t install = instruction.find("apt-get install");
    if (install == std::string::npos) continue;
    const std::string words = instruction.substr(install + std::string("apt-get install").size());
    for (absl::string_view word : absl::StrSplit(words, ' ')) {
      if (word == "&&") break;
      if (!word.empty() && word[0] != '-') provided.emplace(word);
    }
  }
  ASSERT_FALSE(provided.empty()) << "no apt-get install in the runtime stage";
  // debian:12-slim already has these (apt itself needs them).
  std::vector<std::string> queue = {"libc6", "libgcc-s1", "libstdc++6", "zlib1g"};
  queue.insert(queue.end(), provided.begin(), provided.end());
  const std::map<std::string, std::vector<std::string>> depends = InstalledDepends();
  while (!queue.empty()) {
    const std::string package = queue.back();
    queue.pop_back();
    provided.insert(package);
    auto it = depends.find(package);
    if (it == depends.end()) continue;
    for (const std::string& dep : it->second) {
      if (!provided.count(dep)) queue.push_back(dep);
    }
  }

  std::vector<std::string> files;
  const fs::path bin_dir = fs::path(PARLAB_WORKER_BIN).parent_path();
  for (const char* exe : {"parlab", "parlab-worker", "parlab-coordinator", "parlab-runner"}) {
    files.push_back((bin_dir / exe).string());
  }
  for (const fs::directory_entry& entry : fs::directory_iterator(PARLAB_PLUGIN_DIR)) {
    if (entry.path().extension() == ".so") files.push_back(entry.path().string());
  }
  std::map<std::string, std::set<std::string>> loaded_by;  // library path -> files
  for (const std::string& file : files) {
    e2e::Completed ldd = e2e::RunToCompletion({"/usr/bin/ldd", file}, absl::Seconds(20));
    ASSERT_EQ(ldd.exit_code, 0) << file << ": " << ldd.err;
    for (absl::string_view line : absl::StrSplit(ldd.out, '\n', absl::SkipEmpty())) {
      const size_t arrow = line.find("=> /");
      if (arrow == absl::string_view::npos) continue;
      absl::string_view lib = line.substr(arrow + 3);
      loaded_by[std::string(lib.substr(0, lib.find(' ')))].insert(file);
    }
  }
  std::set<std::string> libs;
  for (const auto& [lib, by] : loaded_by) libs.insert(lib);
  const std::map<std::string, std::string> packages = PackagesOf(libs);
  for (const auto& [lib, by] : loaded_by) {
    auto it = packages.find(lib);
    const std::string package = it == packages.end() ? "" : it->second;
    EXPECT_TRUE(!package.empty() && provided.count(package))
        << *by.begin() << " loads " << lib << " from package \"" << package
        << "\", which the Dockerfile's runtime stage does not install";
  }
}

}  // namespace
}  // namespace parlab::deploy_test

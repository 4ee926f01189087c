// Helpers for the deploy/ tests: file reading, temp dirs, and asking the real daemons whether
// they accept the flags a unit file or manifest gives them.
//
//   std::string text = ReadFileOrDie(DeployPath("systemd/parlab-worker.service"));
//   EXPECT_EQ(CoordinatorRejects({"--listen", "0.0.0.0:7470"}), "");
#ifndef PARLAB_TESTS_DEPLOY_DEPLOY_TEST_UTIL_H_
#define PARLAB_TESTS_DEPLOY_DEPLOY_TEST_UTIL_H_

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "e2e/process.h"

namespace parlab::deploy_test {

inline std::string DeployPath(const std::string& relative) {
  return std::string(PARLAB_SOURCE_DIR) + "/deploy/" + relative;
}

// The whole file, or "" when it cannot be read (tests check for "" with the path named).
inline std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return "";
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

// parlab-coordinator parses its flags in main() before it binds anything, and stops at --help
// with exit 0: so `ARGS --help` exits 0 exactly when every flag in ARGS is known and valid.
// Returns "" when accepted, else the daemon's complaint.
inline std::string CoordinatorRejects(std::vector<std::string> args) {
  args.insert(args.begin(), PARLAB_COORDINATOR_BIN);
  args.push_back("--help");
  e2e::Completed run = e2e::RunToCompletion(args, absl::Seconds(20));
  if (run.exit_code == 0) return "";
  return absl::StrCat("parlab-coordinator ", absl::StrJoin(args, " "), " -> exit ", run.exit_code,
                      ": ", run.err);
}

}  // namespace parlab::deploy_test

#endif  // PARLAB_TESTS_DEPLOY_DEPLOY_TEST_UTIL_H_

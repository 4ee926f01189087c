// Helpers shared by the SDK tests: a temporary directory removed at the end of the test, and
// the lines of a `parlab models validate` report.
//
//   TempDir dir("parlab-sdk");
//   std::map<std::string, std::string> verdicts = ReportVerdicts(run.out);  // check -> PASS/FAIL
#ifndef PARLAB_TESTS_SDK_SDK_TEST_UTIL_H_
#define PARLAB_TESTS_SDK_SDK_TEST_UTIL_H_

#include <stdlib.h>

#include <filesystem>
#include <map>
#include <sstream>
#include <string>

namespace parlab::sdk_test {

class TempDir {
 public:
  explicit TempDir(const std::string& prefix) {
    std::string pattern = (std::filesystem::temp_directory_path() / (prefix + "-XXXXXX")).string();
    if (mkdtemp(pattern.data()) != nullptr) path_ = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    if (!path_.empty()) std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// "  PASS  concurrency      detail" lines -> {"concurrency": "PASS"}.
inline std::map<std::string, std::string> ReportVerdicts(const std::string& report) {
  std::map<std::string, std::string> verdicts;
  std::istringstream lines(report);
  std::string verdict, check;
  for (std::string line; std::getline(lines, line);) {
    std::istringstream words(line);
    if (words >> verdict >> check &&
        (verdict == "PASS" || verdict == "FAIL" || verdict == "SKIP")) {
      verdicts[check] = verdict;
    }
  }
  return verdicts;
}

}  // namespace parlab::sdk_test

#endif  // PARLAB_TESTS_SDK_SDK_TEST_UTIL_H_

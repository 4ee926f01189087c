#include "support/lab_certs.h"

#include <stdlib.h>
#include <sys/stat.h>

#include <fstream>

#include "absl/strings/str_cat.h"
#include "support/child_process.h"

namespace parlab::test_support {

absl::StatusOr<LabCerts> LabCerts::Make(const std::vector<std::string>& hosts) {
  const char* tmp = getenv("TMPDIR");
  std::string pattern =
      absl::StrCat(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp", "/parlab-certs-XXXXXX");
  if (mkdtemp(pattern.data()) == nullptr) {
    return absl::InternalError(absl::StrCat("mkdtemp ", pattern, " failed"));
  }
  std::vector<std::string> argv = {"/bin/bash", PARLAB_MAKE_LAB_CERTS, pattern};
  argv.insert(argv.end(), hosts.begin(), hosts.end());
  absl::StatusOr<Finished> run = RunToCompletion(argv, absl::Seconds(60));
  if (!run.ok()) return run.status();
  if (run->timed_out || ExitCode(run->wait_status) != 0) {
    return absl::InternalError(absl::StrCat("make-lab-certs.sh failed (exit ",
                                            ExitCode(run->wait_status), "): ", run->err));
  }
  LabCerts certs;
  certs.dir_ = pattern;
  return certs;
}

std::string LabCerts::WriteFile(const std::string& name, const std::string& contents) const {
  const std::string path = absl::StrCat(dir_, "/", name);
  {
    std::ofstream out(path, std::ios::trunc);
    out << contents;
  }
  chmod(path.c_str(), 0600);
  return path;
}

}  // namespace parlab::test_support

#include "parlab/runner/job_limits.h"

#include <sys/resource.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <new>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "parlab/v1/parlab.pb.h"

namespace parlab::runner {
namespace {

// The out-of-memory frame, encoded in advance: the new-handler runs when nothing can be
// allocated any more.
int oom_fd = -1;
std::string* oom_frame = nullptr;

void WriteOutOfMemoryFrame() {
  const char* data = oom_frame->data();
  size_t left = oom_frame->size();
  while (left > 0) {
    const ssize_t n = ::write(oom_fd, data, left);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    data += n;
    left -= static_cast<size_t>(n);
  }
  static constexpr char kLog[] = "parlab-runner: out of memory under the job's memory limit\n";
  (void)!::write(STDERR_FILENO, kLog, sizeof(kLog) - 1);
  _exit(3);
}

absl::Status SetLimit(int resource, const char* name, int64_t value) {
  const rlimit limit{static_cast<rlim_t>(value), static_cast<rlim_t>(value)};
  if (setrlimit(resource, &limit) != 0) {
    return absl::InternalError(
        absl::StrCat("runner: setrlimit(", name, ", ", value, "): ", std::strerror(errno)));
  }
  return absl::OkStatus();
}

}  // namespace

std::string DescribeJobLimits(const JobLimits& limits) {
  std::vector<std::string> parts;
  if (limits.max_memory_mib > 0) {
    parts.push_back(
        absl::StrCat("memory limit ", limits.max_memory_mib, " MiB (--max-job-memory)"));
  }
  if (limits.max_open_files > 0) {
    parts.push_back(absl::StrCat("open-file limit ", limits.max_open_files, " (--max-job-files)"));
  }
  return absl::StrJoin(parts, ", ");
}

absl::Status ApplyJobLimits(const JobLimits& limits) {
  // RLIMIT_DATA, not RLIMIT_AS: every thread's glibc arena reserves 64 MiB of address space
  // it never touches, so an address-space limit would fail thread models long before memory
  // runs out.
  if (limits.max_memory_mib > 0) {
    absl::Status status = SetLimit(RLIMIT_DATA, "RLIMIT_DATA", limits.max_memory_mib << 20);
    if (!status.ok()) return status;
  }
  if (limits.max_open_files > 0) {
    absl::Status status = SetLimit(RLIMIT_NOFILE, "RLIMIT_NOFILE", limits.max_open_files);
    if (!status.ok()) return status;
  }
  return absl::OkStatus();
}

void ReportOutOfMemoryAs(int frame_fd, const JobLimits& limits) {
  if (limits.max_memory_mib <= 0) return;
  v1::RunnerEvent event;
  event.set_error(absl::StrCat("runner: out of memory: the job reached its memory limit ",
                               limits.max_memory_mib, " MiB (--max-job-memory)"));
  const std::string body = event.SerializeAsString();
  const uint32_t size = static_cast<uint32_t>(body.size());
  oom_frame = new std::string(
      {static_cast<char>(size & 0xff), static_cast<char>((size >> 8) & 0xff),
       static_cast<char>((size >> 16) & 0xff), static_cast<char>((size >> 24) & 0xff)});
  *oom_frame += body;
  oom_fd = frame_fd;
  std::set_new_handler(WriteOutOfMemoryFrame);
}

}  // namespace parlab::runner

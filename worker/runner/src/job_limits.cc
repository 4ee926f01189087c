#include "parlab/runner/job_limits.h"

#include <sys/resource.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <new>

#include "absl/strings/str_cat.h"
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

// Set by ApplyJobLimits when it sets RLIMIT_NPROC, for ProcessLimitNote.
int64_t nproc_limit = 0;
int64_t nproc_user_tasks = 0;

// The number after `prefix` at the start of `line` ("Uid:\t1000\t..." -> 1000), or -1.
int64_t FieldNumber(const std::string& line, const char* prefix) {
  const size_t length = std::strlen(prefix);
  if (line.compare(0, length, prefix) != 0) return -1;
  const size_t start = line.find_first_not_of(" \t", length);
  int64_t value = -1;
  if (start != std::string::npos) {
    std::from_chars(line.data() + start, line.data() + line.size(), value);
  }
  return value;
}

// Processes and threads whose real user is `uid`: what RLIMIT_NPROC counts ("Uid:" real id and
// "Threads:" of each /proc/PID/status; the worker sets the limit only where /proc shows every
// such task: not in a PID namespace of its own). A process that ends during the scan is skipped.
int64_t TasksOfUser(uid_t uid) {
  int64_t tasks = 0;
  std::error_code error;
  for (std::filesystem::directory_iterator it("/proc", error), end; !error && it != end;
       it.increment(error)) {
    const std::string name = it->path().filename().string();
    if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream status(it->path() / "status");
    for (std::string line; std::getline(status, line);) {
      if (const int64_t real = FieldNumber(line, "Uid:"); real >= 0 && real != int64_t{uid}) {
        break;  // another user's ("Uid:" comes before "Threads:")
      }
      if (const int64_t threads = FieldNumber(line, "Threads:"); threads >= 0) {
        tasks += threads;
        break;
      }
    }
  }
  return tasks;
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
  if (limits.max_processes > 0) {
    nproc_user_tasks = TasksOfUser(getuid());
    nproc_limit = nproc_user_tasks + limits.max_processes;
    // Never above the limit inherited (systemd's LimitNPROC=, docker --ulimit): raising a hard
    // limit needs privileges, and the lower one already binds.
    rlimit inherited{};
    if (getrlimit(RLIMIT_NPROC, &inherited) == 0 && inherited.rlim_max != RLIM_INFINITY &&
        static_cast<rlim_t>(nproc_limit) > inherited.rlim_max) {
      nproc_limit = static_cast<int64_t>(inherited.rlim_max);
    }
    absl::Status status = SetLimit(RLIMIT_NPROC, "RLIMIT_NPROC", nproc_limit);
    if (!status.ok()) return status;
  }
  return absl::OkStatus();
}

std::string ProcessLimitNote(const std::string& error) {
  if (nproc_limit == 0 || error.find(std::strerror(EAGAIN)) == std::string::npos) return "";
  return absl::StrCat(" (the job's process limit: RLIMIT_NPROC ", nproc_limit, ", the user's ",
                      nproc_user_tasks, " processes and threads at its start plus ",
                      nproc_limit - nproc_user_tasks,
                      " (--max-job-processes, with the runner's own threads))");
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

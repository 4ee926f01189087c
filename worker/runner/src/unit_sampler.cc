#include "parlab/runner/unit_sampler.h"

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iterator>

namespace parlab::runner {
namespace {

using Clock = std::chrono::steady_clock;

// Numeric entries of a /proc directory.
std::vector<pid_t> NumericEntries(const char* dir_path) {
  std::vector<pid_t> ids;
  DIR* dir = opendir(dir_path);
  if (dir == nullptr) return ids;
  while (dirent* entry = readdir(dir)) {
    char* end = nullptr;
    const long id = std::strtol(entry->d_name, &end, 10);
    if (end != entry->d_name && *end == '\0') ids.push_back(static_cast<pid_t>(id));
  }
  closedir(dir);
  std::sort(ids.begin(), ids.end());
  return ids;
}

// The parent pid in /proc/PID/stat, or -1. The command name (field 2) may hold spaces and
// parentheses, so the fields are read after its LAST ')'.
pid_t ParentOf(pid_t pid) {
  char path[64];
  std::snprintf(path, sizeof(path), "/proc/%d/stat", static_cast<int>(pid));
  const int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  char buffer[512];
  const ssize_t n = read(fd, buffer, sizeof(buffer) - 1);
  close(fd);
  if (n <= 0) return -1;
  buffer[n] = '\0';
  const char* paren = std::strrchr(buffer, ')');
  if (paren == nullptr) return -1;
  char state = 0;
  int ppid = -1;
  if (std::sscanf(paren + 1, " %c %d", &state, &ppid) != 2) return -1;
  return ppid;
}

// How many ids both samples hold (both sorted).
int CommonCount(const std::vector<pid_t>& a, const std::vector<pid_t>& b) {
  std::vector<pid_t> both;
  std::set_intersection(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(both));
  return static_cast<int>(both.size());
}

}  // namespace

std::vector<pid_t> ListThreads() { return NumericEntries("/proc/self/task"); }

std::vector<pid_t> ListChildren() {
  const pid_t self = getpid();
  std::vector<pid_t> children;
  for (pid_t pid : NumericEntries("/proc")) {
    if (ParentOf(pid) == self) children.push_back(pid);
  }
  return children;
}

UnitCounts CountUnits() {
  return {static_cast<int>(ListThreads().size()), static_cast<int>(ListChildren().size())};
}

UnitSampler::UnitSampler(SamplerOptions options) : options_(std::move(options)) {
  thread_ = std::thread([this] { Loop(); });
}

UnitSampler::~UnitSampler() { Stop(); }

UnitCounts UnitSampler::Stop() {
  stop_.store(true);
  if (thread_.joinable()) thread_.join();
  return peak_;
}

void UnitSampler::Loop() {
  const Clock::time_point start = Clock::now();
  Clock::time_point hang_at = start + options_.hang_after;
  bool acted = !options_.action;
  std::vector<pid_t> threads = ListThreads(), children = ListChildren();
  for (int round = 1; !stop_.load(); ++round) {
    usleep(1000);
    std::vector<pid_t> now = ListThreads();
    peak_.threads = std::max(peak_.threads, CommonCount(threads, now));
    threads = std::move(now);
    if (round % 5 == 0) {
      std::vector<pid_t> kids = ListChildren();
      peak_.children = std::max(peak_.children, CommonCount(children, kids));
      children = std::move(kids);
    }
    const Clock::time_point t = Clock::now();
    if (!acted && t >= start + options_.action_after) {
      acted = true;
      options_.action();
      hang_at = t + options_.hang_after;
    }
    if (acted && options_.on_hang && t >= hang_at && !disarmed_.load() && !stop_.load()) {
      options_.on_hang();
      return;
    }
  }
}

}  // namespace parlab::runner

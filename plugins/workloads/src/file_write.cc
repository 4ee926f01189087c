// file.write: each task writes `kib` KiB to its own file in a private temporary directory,
// fsyncs it, reads it back and removes it. Prepare() creates the directory (before any model
// forks, so children share it); the destructor removes it with whatever a failed task left.
#include "parlab/workloads/file_write.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <vector>

#include "absl/strings/str_cat.h"
#include "kinds.h"
#include "parlab/common/status_macros.h"
#include "parlab/workloads/params.h"

namespace parlab::workloads {
namespace {

constexpr char kKind[] = "file.write";
constexpr uint64_t kBlock = 64 * 1024;    // write and read in blocks of this size
constexpr int64_t kMaxKib = 1024 * 1024;  // 1 GiB per file
// Each unit in flight holds one file on disk, and a repetition writes every task's file.
constexpr int64_t kMaxKibInFlight = int64_t{16} << 20;      // 16 GiB
constexpr int64_t kMaxKibPerRepetition = int64_t{1} << 30;  // 1 TiB

std::string Where(uint64_t task, const std::string& path) {
  return absl::StrCat(kKind, " task ", task, " (", path, "): ");
}

absl::Status Errno(uint64_t task, const std::string& path, const char* call) {
  return absl::InternalError(absl::StrCat(Where(task, path), call, ": ", std::strerror(errno)));
}

// Bytes [offset, offset + block.size()) of task `task`'s pattern: each 8-byte word is splitmix64
// of the task and the word's index, so every task and every position differ.
void FillPattern(uint64_t task, uint64_t offset, std::vector<uint8_t>& block) {
  uint64_t word_index = UINT64_MAX, word = 0;
  for (size_t i = 0; i < block.size(); ++i) {
    const uint64_t position = offset + i;
    if (position / 8 != word_index) {
      word_index = position / 8;
      uint64_t z = (task << 40) + word_index + 0x9e3779b97f4a7c15ull;
      z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
      z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
      word = z ^ (z >> 31);
    }
    block[i] = static_cast<uint8_t>(word >> (8 * (position % 8)));
  }
}

class FileWrite : public Workload {
 public:
  FileWrite(uint64_t tasks, uint64_t bytes) : tasks_(tasks), bytes_(bytes) {}

  ~FileWrite() override {
    // Only the process that created the directory removes it: a forked child that happened to
    // run destructors must not pull it away from its siblings.
    if (dir_.empty() || getpid() != owner_pid_) return;
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }

  uint64_t task_count() const override { return tasks_; }

  absl::Status CheckModel(const ModelBounds& model) const override {
    return RequireProductAtMost("concurrency", model.concurrency, "kib",
                                static_cast<int64_t>(bytes_ / 1024), kMaxKibInFlight,
                                "KiB on disk at once");
  }

  absl::Status Prepare() override {
    if (!dir_.empty()) return absl::OkStatus();
    const char* tmpdir = getenv("TMPDIR");
    std::string templ = absl::StrCat(tmpdir != nullptr && *tmpdir != '\0' ? tmpdir : "/tmp",
                                     "/parlab-file.write-XXXXXX");
    if (mkdtemp(templ.data()) == nullptr) {
      return absl::InternalError(
          absl::StrCat(kKind, ": mkdtemp(", templ, "): ", std::strerror(errno)));
    }
    dir_ = templ;
    owner_pid_ = getpid();
    return absl::OkStatus();
  }

  absl::Status RunTask(uint64_t index) override {
    PARLAB_RETURN_IF_ERROR(CheckTask(kKind, index, /*prepared=*/!dir_.empty()));
    const std::string path = absl::StrCat(dir_, "/task-", index);
    const int fd = open(path.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) return Errno(index, path, "open");
    absl::Status status = WritePatternFile(index, fd, path, bytes_);
    if (status.ok()) status = VerifyPatternFile(index, fd, path, bytes_);
    if (close(fd) != 0 && status.ok()) status = Errno(index, path, "close");
    // A failed task's file stays for the destructor's clean-up, where a reader can inspect it
    // until the job ends; a verified one goes now, so disk use stays at `concurrency` files.
    if (status.ok() && unlink(path.c_str()) != 0) status = Errno(index, path, "unlink");
    return status;
  }

 private:
  uint64_t tasks_;
  uint64_t bytes_;
  std::string dir_;
  pid_t owner_pid_ = 0;
};

absl::StatusOr<std::unique_ptr<Workload>> Create(const v1::WorkloadSpec& spec) {
  PARLAB_ASSIGN_OR_RETURN(ParamReader params,
                          ParamReader::Create(kKind, spec.params(), {"tasks", "kib"}));
  PARLAB_ASSIGN_OR_RETURN(int64_t tasks, params.Int("tasks", 100));
  PARLAB_ASSIGN_OR_RETURN(int64_t kib, params.Int("kib", 64));
  PARLAB_RETURN_IF_ERROR(RequireInRange("tasks", tasks, 1, 10'000'000));
  PARLAB_RETURN_IF_ERROR(RequireInRange("kib", kib, 1, kMaxKib));
  PARLAB_RETURN_IF_ERROR(RequireProductAtMost("tasks", tasks, "kib", kib, kMaxKibPerRepetition,
                                              "KiB written per repetition"));
  return std::make_unique<FileWrite>(static_cast<uint64_t>(tasks),
                                     static_cast<uint64_t>(kib) * 1024);
}

}  // namespace

absl::Status WritePatternFile(uint64_t task, int fd, const std::string& path, uint64_t bytes) {
  std::vector<uint8_t> block;
  for (uint64_t offset = 0; offset < bytes;) {
    block.resize(std::min(kBlock, bytes - offset));
    FillPattern(task, offset, block);
    const ssize_t n = pwrite(fd, block.data(), block.size(), static_cast<off_t>(offset));
    if (n < 0) {
      if (errno == EINTR) continue;
      return Errno(task, path, "pwrite");
    }
    offset += static_cast<uint64_t>(n);  // a short write resumes at the first unwritten byte
  }
  if (fsync(fd) != 0) return Errno(task, path, "fsync");
  return absl::OkStatus();
}

absl::Status VerifyPatternFile(uint64_t task, int fd, const std::string& path, uint64_t bytes) {
  struct stat st {};
  if (fstat(fd, &st) != 0) return Errno(task, path, "fstat");
  if (static_cast<uint64_t>(st.st_size) != bytes) {
    return absl::InternalError(
        absl::StrCat(Where(task, path), "size ", st.st_size, " bytes, expected ", bytes));
  }
  std::vector<uint8_t> expected, got;
  for (uint64_t offset = 0; offset < bytes;) {
    const uint64_t size = std::min(kBlock, bytes - offset);
    expected.resize(size);
    got.resize(size);
    FillPattern(task, offset, expected);
    const ssize_t n = pread(fd, got.data(), size, static_cast<off_t>(offset));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Errno(task, path, "pread");
    if (n == 0) {
      return absl::InternalError(
          absl::StrCat(Where(task, path), "end of file at byte ", offset, ", expected ", bytes));
    }
    const auto end = static_cast<size_t>(n);
    const auto mismatch = std::mismatch(got.begin(), got.begin() + end, expected.begin());
    if (mismatch.first != got.begin() + end) {
      const auto at = static_cast<uint64_t>(mismatch.first - got.begin());
      return absl::InternalError(absl::StrCat(Where(task, path), "byte ", offset + at, " reads 0x",
                                              absl::Hex(*mismatch.first, absl::kZeroPad2),
                                              ", expected 0x",
                                              absl::Hex(*mismatch.second, absl::kZeroPad2)));
    }
    offset += end;
  }
  return absl::OkStatus();
}

WorkloadKind FileWriteKind() {
  return MakeKind(
      kKind, "1.0.0",
      "I/O-bound: each task writes kib KiB to its own file in a private temporary directory "
      "($TMPDIR or /tmp), fsyncs, reads it back to verify every byte, and removes it; the "
      "directory is removed when the job ends, failed or not",
      "tasks (integer, default 100, 1..10000000): number of files; kib (integer, default 64, "
      "1..1048576): KiB per file",
      &Create);
}

}  // namespace parlab::workloads

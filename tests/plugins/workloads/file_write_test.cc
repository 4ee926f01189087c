// file.write: the read-back check catches a short or corrupted file, runs verify, and the private
// directory is gone after the workload is destroyed, also with a failed task's leftovers in it.
#include "parlab/workloads/file_write.h"

#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "test_spec.h"

namespace parlab::workloads {
namespace {

namespace fs = std::filesystem;

// A fresh directory for TMPDIR, so the test sees exactly what the workload creates.
class FileWrite : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string templ = (fs::temp_directory_path() / "file_write_test-XXXXXX").string();
    ASSERT_NE(mkdtemp(templ.data()), nullptr);
    root_ = templ;
    const char* old = getenv("TMPDIR");
    if (old != nullptr) old_tmpdir_ = old;
    had_tmpdir_ = old != nullptr;
    setenv("TMPDIR", root_.c_str(), 1);
  }
  void TearDown() override {
    if (had_tmpdir_) {
      setenv("TMPDIR", old_tmpdir_.c_str(), 1);
    } else {
      unsetenv("TMPDIR");
    }
    fs::remove_all(root_);
  }
  std::vector<fs::path> Entries(const fs::path& dir) const {
    std::vector<fs::path> entries;
    for (const auto& entry : fs::directory_iterator(dir)) entries.push_back(entry.path());
    return entries;
  }

  fs::path root_;
  std::string old_tmpdir_;
  bool had_tmpdir_ = false;
};

TEST_F(FileWrite, ReadBackCatchesShortAndCorruptFiles) {
  const std::string path = (root_ / "f").string();
  const int fd = open(path.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  ASSERT_GE(fd, 0);
  const uint64_t bytes = 100'000;  // not a multiple of the 64 KiB block
  ASSERT_TRUE(WritePatternFile(3, fd, path, bytes).ok());
  EXPECT_TRUE(VerifyPatternFile(3, fd, path, bytes).ok());
  // Another task's pattern differs at once.
  absl::Status other = VerifyPatternFile(4, fd, path, bytes);
  EXPECT_EQ(other.code(), absl::StatusCode::kInternal);
  EXPECT_THAT(std::string(other.message()),
              ::testing::StartsWith("file.write task 4 (" + path + "): byte 0 reads 0x"));
  // One flipped byte in the second block.
  uint8_t byte = 0;
  ASSERT_EQ(pread(fd, &byte, 1, 70'000), 1);
  const uint8_t flipped = byte ^ 0xff;
  ASSERT_EQ(pwrite(fd, &flipped, 1, 70'000), 1);
  absl::Status corrupt = VerifyPatternFile(3, fd, path, bytes);
  EXPECT_THAT(std::string(corrupt.message()),
              ::testing::MatchesRegex(".*task 3 .*: byte 70000 reads 0x[0-9a-f]{2}, expected "
                                      "0x[0-9a-f]{2}"));
  ASSERT_EQ(ftruncate(fd, 4096), 0);
  EXPECT_EQ(VerifyPatternFile(3, fd, path, bytes).message(),
            "file.write task 3 (" + path + "): size 4096 bytes, expected 100000");
  close(fd);
}

TEST_F(FileWrite, TasksVerifyAndTheDirectoryIsRemoved) {
  {
    auto workload = CreateWorkload(MakeSpec("file.write", {{"tasks", "5"}, {"kib", "3"}}));
    ASSERT_TRUE(workload.ok()) << workload.status();
    EXPECT_EQ((*workload)->RunTask(0).code(), absl::StatusCode::kFailedPrecondition);
    ASSERT_TRUE((*workload)->Prepare().ok());
    const std::vector<fs::path> created = Entries(root_);
    ASSERT_EQ(created.size(), 1u);
    EXPECT_EQ(created[0].filename().string().rfind("parlab-file.write-", 0), 0u);
    for (uint64_t i = 0; i < 5; ++i) {
      absl::Status status = (*workload)->RunTask(i);
      ASSERT_TRUE(status.ok()) << status;
    }
    EXPECT_TRUE(Entries(created[0]).empty());  // each verified task removed its file
    EXPECT_EQ((*workload)->RunTask(5).code(), absl::StatusCode::kOutOfRange);
    // What a failed task leaves behind goes with the directory.
    std::ofstream(created[0] / "task-2") << "leftover";
  }
  EXPECT_TRUE(Entries(root_).empty());
}

TEST_F(FileWrite, AnUnwritableTmpdirFailsPrepareNamingIt) {
  setenv("TMPDIR", (root_ / "missing").c_str(), 1);
  auto workload = CreateWorkload(MakeSpec("file.write", {}));
  ASSERT_TRUE(workload.ok()) << workload.status();
  absl::Status prepared = (*workload)->Prepare();
  EXPECT_EQ(prepared.code(), absl::StatusCode::kInternal);
  EXPECT_THAT(std::string(prepared.message()),
              ::testing::HasSubstr("file.write: mkdtemp(" + (root_ / "missing").string()));
}

TEST(FileWriteParams, AreValidated) {
  auto defaults = CreateWorkload(MakeSpec("file.write", {}));
  ASSERT_TRUE(defaults.ok()) << defaults.status();
  EXPECT_EQ((*defaults)->task_count(), 100u);
  EXPECT_EQ(RefusalOf("file.write", {{"tasks", "0"}}),
            "plan.workload.params.tasks: must be >= 1, got 0");
  EXPECT_EQ(RefusalOf("file.write", {{"kib", "0"}}),
            "plan.workload.params.kib: must be >= 1, got 0");
  EXPECT_EQ(RefusalOf("file.write", {{"kib", "1048577"}}),
            "plan.workload.params.kib: must be <= 1048576, got 1048577");
  EXPECT_EQ(RefusalOf("file.write", {{"bytes", "1"}}),
            "plan.workload.params.bytes: unknown parameter of file.write (valid: tasks, kib)");
}

}  // namespace
}  // namespace parlab::workloads

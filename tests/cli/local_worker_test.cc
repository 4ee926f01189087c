// The CLI's auto-started local worker is silent unless it fails: its own lines go to a log that
// is shown only when it could not start (or ended other than by our SIGTERM).
#include "local_worker.h"

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace parlab::cli {
namespace {

using ::testing::HasSubstr;

// A stand-in for parlab-worker: a shell script with the given body.
std::string Script(const std::string& body) {
  const std::string path = (std::filesystem::temp_directory_path() /
                            ("parlab-fake-worker-" + std::to_string(getpid()) + ".sh"))
                               .string();
  std::ofstream(path) << "#!/bin/sh\n" << body << "\n";
  chmod(path.c_str(), 0755);
  return path;
}

TEST(LocalWorkerTest, AWorkerThatCannotStartShowsItsLog) {
  const std::string worker = Script("echo 'parlab-worker: cannot bind: no luck' >&2; exit 3");
  absl::StatusOr<std::unique_ptr<LocalWorker>> started =
      LocalWorker::Start(worker, "", absl::Seconds(10));
  ASSERT_FALSE(started.ok());
  EXPECT_THAT(std::string(started.status().message()), HasSubstr("its log:\n"));
  EXPECT_THAT(std::string(started.status().message()),
              HasSubstr("parlab-worker: cannot bind: no luck"));
  std::filesystem::remove(worker);
}

TEST(LocalWorkerTest, AWorkerThatStartsKeepsItsLinesToItself) {
  // Says it listens (on stdout, as parlab-worker does), chats on stderr, waits for SIGTERM.
  const std::string worker = Script(
      "echo 'parlab-worker: models: a, b' >&2; echo 'parlab-worker listening on 127.0.0.1:9'; "
      "exec sleep 30");
  testing::internal::CaptureStderr();
  {
    absl::StatusOr<std::unique_ptr<LocalWorker>> started =
        LocalWorker::Start(worker, "", absl::Seconds(10));
    ASSERT_TRUE(started.ok()) << started.status();
    EXPECT_EQ((*started)->address(), "127.0.0.1:9");
    (*started)->Stop();
  }
  EXPECT_EQ(testing::internal::GetCapturedStderr(), "");
  std::filesystem::remove(worker);
}

}  // namespace
}  // namespace parlab::cli

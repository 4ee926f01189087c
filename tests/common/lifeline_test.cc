// The lifeline: the watcher hears of its parent's end as soon as the write end closes, and not
// before.
#include "parlab/common/lifeline.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <memory>
#include <optional>

#include "absl/time/clock.h"

namespace parlab {
namespace {

bool WaitFor(const std::atomic<bool>& flag, absl::Duration timeout) {
  for (const absl::Time deadline = absl::Now() + timeout; absl::Now() < deadline;
       absl::SleepFor(absl::Milliseconds(5))) {
    if (flag.load()) return true;
  }
  return flag.load();
}

TEST(LifelineTest, TheWatcherFiresWhenTheParentsEndCloses) {
  absl::StatusOr<Lifeline> created = Lifeline::Create();
  ASSERT_TRUE(created.ok()) << created.status();
  std::optional<Lifeline> line(std::move(*created));
  // The child's copy of the read end, as posix_spawn's dup2 would give it.
  const int child_fd = dup(line->child_end());
  ASSERT_GE(child_fd, 3);
  line->CloseChildEnd();
  auto gone = std::make_shared<std::atomic<bool>>(false);
  WatchLifeline(child_fd, [gone] { gone->store(true); });
  EXPECT_FALSE(WaitFor(*gone, absl::Milliseconds(200))) << "fired while the parent lives";
  line.reset();  // the parent dies: the kernel closes its write end
  EXPECT_TRUE(WaitFor(*gone, absl::Seconds(2)));
}

TEST(LifelineTest, ParseLifelineFdNamesTheFlagAndTheValue) {
  EXPECT_EQ(ParseLifelineFd("--lifeline", "x").status().message(),
            "--lifeline: must be a file descriptor >= 3, got \"x\"");
  EXPECT_EQ(ParseLifelineFd("--lifeline", "2").status().message(),
            "--lifeline: must be a file descriptor >= 3, got \"2\"");
}

}  // namespace
}  // namespace parlab

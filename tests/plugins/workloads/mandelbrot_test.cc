// mandelbrot: the kernel at points known analytically, the band checksum's sensitivity to lost
// and misplaced rows, the check, the parameters, and small verified runs.
#include "parlab/workloads/mandelbrot.h"

#include <gtest/gtest.h>

#include "test_spec.h"

namespace parlab::workloads {
namespace {

TEST(Mandelbrot, KernelAtKnownPoints) {
  EXPECT_EQ(MandelbrotEscape(0.0, 0.0, 256), 256u);
  EXPECT_EQ(MandelbrotEscape(-1.0, 0.0, 100), 100u);
  EXPECT_EQ(MandelbrotEscape(1.0, 0.0, 256), 3u);  // 0, 1, 2, 5
  EXPECT_EQ(MandelbrotEscape(1.0, 0.0, 2), 2u);    // capped by max_iter
  EXPECT_EQ(MandelbrotEscape(1.0, 1.0, 256), 2u);  // 0, 1+i, 1+3i
  EXPECT_TRUE(CheckMandelbrotKnownPoints(256).ok());
  EXPECT_TRUE(CheckMandelbrotKnownPoints(1).ok());
}

TEST(Mandelbrot, ChecksumSeesLostAndMisplacedRows) {
  const MandelbrotGrid grid{64, 48, 64};
  const uint64_t rows_0_to_9 = MandelbrotRowsChecksum(grid, 0, 10);
  EXPECT_EQ(rows_0_to_9, MandelbrotRowsChecksum(grid, 0, 10));  // deterministic
  EXPECT_NE(rows_0_to_9, MandelbrotRowsChecksum(grid, 0, 9));   // a lost row
  EXPECT_NE(rows_0_to_9, MandelbrotRowsChecksum(grid, 1, 11));  // shifted by one
  // The image is symmetric about the real axis: mirrored rows have equal counts, and only the
  // row numbers in the hash tell them apart.
  EXPECT_NE(MandelbrotRowsChecksum(grid, 1, 2), MandelbrotRowsChecksum(grid, 47, 48));
  // Rows through the set: points that reach max_iter there count one more with max_iter + 1.
  EXPECT_NE(MandelbrotRowsChecksum(grid, 20, 28), MandelbrotRowsChecksum({64, 48, 65}, 20, 28));
}

TEST(Mandelbrot, WrongChecksumIsAnErrorNamingTaskAndValues) {
  EXPECT_TRUE(CheckMandelbrotBand(4, 40, 50, 0xabc, 0xabc).ok());
  absl::Status wrong = CheckMandelbrotBand(4, 40, 50, 0xabc, 0xdef);
  EXPECT_EQ(wrong.code(), absl::StatusCode::kInternal);
  EXPECT_EQ(wrong.message(), "mandelbrot task 4 (rows 40..49): checksum 0xabc, expected 0xdef");
}

TEST(Mandelbrot, ParamsAreValidated) {
  auto defaults = CreateWorkload(MakeSpec("mandelbrot", {}));
  ASSERT_TRUE(defaults.ok()) << defaults.status();
  EXPECT_EQ((*defaults)->task_count(), 600u);  // one band per row
  auto banded = CreateWorkload(MakeSpec("mandelbrot", {{"height", "100"}, {"bands", "7"}}));
  ASSERT_TRUE(banded.ok()) << banded.status();
  EXPECT_EQ((*banded)->task_count(), 7u);
  EXPECT_EQ(RefusalOf("mandelbrot", {{"width", "0"}}),
            "plan.workload.params.width: must be >= 1, got 0");
  EXPECT_EQ(RefusalOf("mandelbrot", {{"height", "100001"}}),
            "plan.workload.params.height: must be <= 100000, got 100001");
  EXPECT_EQ(RefusalOf("mandelbrot", {{"max_iter", "0"}}),
            "plan.workload.params.max_iter: must be >= 1, got 0");
  EXPECT_EQ(RefusalOf("mandelbrot", {{"height", "10"}, {"bands", "11"}}),
            "plan.workload.params.bands: must be <= 10, got 11");
  EXPECT_EQ(RefusalOf("mandelbrot", {{"bands", "0"}}),
            "plan.workload.params.bands: must be >= 1, got 0");
}

TEST(Mandelbrot, SmallRunsVerify) {
  RunAllTasks("mandelbrot", {{"width", "80"}, {"height", "60"}, {"max_iter", "64"}}, 60);
  RunAllTasks("mandelbrot", {{"width", "80"}, {"height", "61"}, {"bands", "7"}}, 7);
  RunAllTasks("mandelbrot", {{"width", "1"}, {"height", "1"}, {"max_iter", "1"}}, 1);
}

}  // namespace
}  // namespace parlab::workloads

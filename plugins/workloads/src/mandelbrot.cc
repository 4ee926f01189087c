// mandelbrot: task b computes the escape counts of one band of rows and checks the band's
// checksum against a reference computed sequentially in Prepare().
//
// The reference uses the SAME kernel (MandelbrotRowsChecksum), so it proves that the parallel
// run is deterministic and complete — no race, no lost or misplaced band — not that the
// arithmetic is right. The arithmetic is checked separately, in Prepare(), at points whose
// escape count is known analytically (CheckMandelbrotKnownPoints).
#include "parlab/workloads/mandelbrot.h"

#include <algorithm>
#include <vector>

#include "absl/strings/str_cat.h"
#include "kinds.h"
#include "parlab/common/status_macros.h"
#include "parlab/workloads/params.h"

namespace parlab::workloads {
namespace {

constexpr char kKind[] = "mandelbrot";
constexpr double kXMin = -2.0, kXMax = 1.0, kYMin = -1.5, kYMax = 1.5;
constexpr uint64_t kFnvOffset = 14695981039346656037ull;
constexpr uint64_t kFnvPrime = 1099511628211ull;

uint64_t Mix(uint64_t hash, uint64_t value) { return (hash ^ value) * kFnvPrime; }

class Mandelbrot : public Workload {
 public:
  Mandelbrot(MandelbrotGrid grid, uint32_t bands) : grid_(grid), bands_(bands) {}

  uint64_t task_count() const override { return bands_; }

  absl::Status Prepare() override {
    PARLAB_RETURN_IF_ERROR(CheckMandelbrotKnownPoints(grid_.max_iter));
    expected_.clear();
    for (uint32_t band = 0; band < bands_; ++band) {
      expected_.push_back(MandelbrotRowsChecksum(grid_, FirstRow(band), FirstRow(band + 1)));
    }
    return absl::OkStatus();
  }

  absl::Status RunTask(uint64_t index) override {
    PARLAB_RETURN_IF_ERROR(CheckTask(kKind, index, /*prepared=*/!expected_.empty()));
    const auto band = static_cast<uint32_t>(index);
    const uint32_t first = FirstRow(band), end = FirstRow(band + 1);
    return CheckMandelbrotBand(index, first, end, MandelbrotRowsChecksum(grid_, first, end),
                               expected_[index]);
  }

 private:
  // Bands differ by at most one row; band `bands_` starts at `height` (the end).
  uint32_t FirstRow(uint32_t band) const {
    return static_cast<uint32_t>(uint64_t{band} * grid_.height / bands_);
  }

  MandelbrotGrid grid_;
  uint32_t bands_;
  std::vector<uint64_t> expected_;
};

absl::StatusOr<std::unique_ptr<Workload>> Create(const v1::WorkloadSpec& spec) {
  PARLAB_ASSIGN_OR_RETURN(
      ParamReader params,
      ParamReader::Create(kKind, spec.params(), {"width", "height", "max_iter", "bands"}));
  PARLAB_ASSIGN_OR_RETURN(int64_t width, params.Int("width", 800));
  PARLAB_ASSIGN_OR_RETURN(int64_t height, params.Int("height", 600));
  PARLAB_ASSIGN_OR_RETURN(int64_t max_iter, params.Int("max_iter", 256));
  PARLAB_RETURN_IF_ERROR(RequireInRange("width", width, 1, 100'000));
  PARLAB_RETURN_IF_ERROR(RequireInRange("height", height, 1, 100'000));
  PARLAB_RETURN_IF_ERROR(
      RequireProductAtMost("width", width, "height", height, 100'000'000, "pixels per repetition"));
  PARLAB_RETURN_IF_ERROR(RequireInRange("max_iter", max_iter, 1, 1'000'000));
  PARLAB_ASSIGN_OR_RETURN(int64_t bands, params.Int("bands", height));
  PARLAB_RETURN_IF_ERROR(RequireInRange("bands", bands, 1, height));
  MandelbrotGrid grid{static_cast<uint32_t>(width), static_cast<uint32_t>(height),
                      static_cast<uint32_t>(max_iter)};
  return std::make_unique<Mandelbrot>(grid, static_cast<uint32_t>(bands));
}

}  // namespace

// Not inlined: the reference in Prepare() and the tasks must run the very same machine code, so
// that a different floating-point contraction in two inlined copies cannot differ by one count.
[[gnu::noinline]] uint32_t MandelbrotEscape(double cx, double cy, uint32_t max_iter) {
  double x = 0.0, y = 0.0;
  uint32_t iter = 0;
  while (iter < max_iter) {
    const double x2 = x * x, y2 = y * y;
    if (x2 + y2 > 4.0) break;
    y = 2.0 * x * y + cy;
    x = x2 - y2 + cx;
    ++iter;
  }
  return iter;
}

uint64_t MandelbrotRowsChecksum(const MandelbrotGrid& grid, uint32_t first_row, uint32_t end_row) {
  const double dx = (kXMax - kXMin) / grid.width, dy = (kYMax - kYMin) / grid.height;
  uint64_t hash = kFnvOffset;
  for (uint32_t row = first_row; row < end_row; ++row) {
    hash = Mix(hash, row);
    const double cy = kYMin + row * dy;
    for (uint32_t column = 0; column < grid.width; ++column) {
      hash = Mix(hash, MandelbrotEscape(kXMin + column * dx, cy, grid.max_iter));
    }
  }
  return hash;
}

absl::Status CheckMandelbrotBand(uint64_t task, uint32_t first_row, uint32_t end_row,
                                 uint64_t checksum, uint64_t expected) {
  if (checksum == expected) return absl::OkStatus();
  return absl::InternalError(absl::StrCat(kKind, " task ", task, " (rows ", first_row, "..",
                                          end_row - 1, "): checksum 0x", absl::Hex(checksum),
                                          ", expected 0x", absl::Hex(expected)));
}

absl::Status CheckMandelbrotKnownPoints(uint32_t max_iter) {
  struct Point {
    double cx, cy;
    uint32_t escape;  // for an unbounded max_iter; 0 = never escapes
  };
  static constexpr Point kPoints[] = {
      {0.0, 0.0, 0},  {-0.1, 0.1, 0}, {0.25, 0.0, 0},  // main cardioid (0.25: its cusp)
      {-1.0, 0.0, 0}, {-2.0, 0.0, 0},                  // period-2 bulb; the boundary tip
      {1.0, 0.0, 3},  {1.0, 1.0, 2},  {2.0, 0.0, 2},  {-2.0, 1.0, 1},
  };
  for (const Point& p : kPoints) {
    const uint32_t expected = p.escape == 0 ? max_iter : std::min(p.escape, max_iter);
    const uint32_t got = MandelbrotEscape(p.cx, p.cy, max_iter);
    if (got != expected) {
      return absl::InternalError(absl::StrCat(kKind, ": c = ", p.cx, "+", p.cy, "i escaped after ",
                                              got, " iterations, expected ", expected,
                                              " (max_iter ", max_iter, ")"));
    }
  }
  return absl::OkStatus();
}

WorkloadKind MandelbrotKind() {
  return MakeKind(
      kKind, "1.0.0",
      "CPU-bound: escape iterations of the Mandelbrot set over [-2,1] x [-1.5,1.5], one task per "
      "band of rows, each checked against a checksum computed sequentially in Prepare()",
      "width (integer, default 800, 1..100000); height (integer, default 600, 1..100000); "
      "max_iter (integer, default 256, 1..1000000); bands (integer, default height, 1..height): "
      "tasks, each a band of consecutive rows",
      &Create);
}

}  // namespace parlab::workloads

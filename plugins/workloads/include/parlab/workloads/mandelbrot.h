// The mandelbrot kernel (seed 003): escape iterations over a width x height grid of the region
// [-2, 1] x [-1.5, 1.5], one task per band of rows, and the checks of a band's result.
//
//   MandelbrotGrid grid{800, 600, 256};
//   uint64_t sum = parlab::workloads::MandelbrotRowsChecksum(grid, 0, 600);  // the whole image
//   uint32_t it = MandelbrotEscape(1.0, 0.0, 256);                            // 3
#ifndef PARLAB_WORKLOADS_MANDELBROT_H_
#define PARLAB_WORKLOADS_MANDELBROT_H_

#include <cstdint>

#include "absl/status/status.h"

namespace parlab::workloads {

struct MandelbrotGrid {
  uint32_t width = 800;
  uint32_t height = 600;
  uint32_t max_iter = 256;
};

// Iterations of z = z^2 + c from z = 0 until |z| > 2, at most max_iter (max_iter: did not
// escape). c = 1: 0, 1, 2, 5 escapes after 3; c = -2 stays at |z| = 2 and never escapes.
uint32_t MandelbrotEscape(double cx, double cy, uint32_t max_iter);

// An order-sensitive hash (FNV-1a over row numbers and escape counts) of rows
// [first_row, end_row): a lost, repeated or misplaced row changes it, not only a wrong count.
uint64_t MandelbrotRowsChecksum(const MandelbrotGrid& grid, uint32_t first_row, uint32_t end_row);

// The verification of one band:
// `mandelbrot task 4 (rows 40..49): checksum 0x1f..., expected 0x2a...`.
[[nodiscard]] absl::Status CheckMandelbrotBand(uint64_t task, uint32_t first_row, uint32_t end_row,
                                               uint64_t checksum, uint64_t expected);

// Points whose escape count is known without the kernel: inside the main cardioid and the
// period-2 bulb (never escape), c = -2 (on the boundary, never escapes), c = 1 (3), c = 1+i (2).
// Fails naming the point, the count and the expected count.
[[nodiscard]] absl::Status CheckMandelbrotKnownPoints(uint32_t max_iter);

}  // namespace parlab::workloads

#endif  // PARLAB_WORKLOADS_MANDELBROT_H_

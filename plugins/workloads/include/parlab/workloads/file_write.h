// The file.write kernel: write a deterministic pattern of `bytes` bytes to an open file, fsync
// it, and read it back to verify. The pattern depends on the task, so a file written by one
// task and read as another's fails.
//
//   PARLAB_RETURN_IF_ERROR(WritePatternFile(3, fd, path, 64 * 1024));   // write + fsync
//   PARLAB_RETURN_IF_ERROR(VerifyPatternFile(3, fd, path, 64 * 1024));  // size and every byte
#ifndef PARLAB_WORKLOADS_FILE_WRITE_H_
#define PARLAB_WORKLOADS_FILE_WRITE_H_

#include <cstdint>
#include <string>

#include "absl/status/status.h"

namespace parlab::workloads {

// Writes task `task`'s pattern (`bytes` bytes from offset 0) to `fd` and fsyncs it. Errors name
// the task, the path and the failing call.
[[nodiscard]] absl::Status WritePatternFile(uint64_t task, int fd, const std::string& path,
                                            uint64_t bytes);

// Checks that `fd` holds exactly task `task`'s pattern of `bytes` bytes:
// `file.write task 3 (/tmp/parlab-file.write-Ab12Cd/task-3): size 4096 bytes, expected 65536`
// or `...: byte 70 reads 0x00, expected 0x5e`.
[[nodiscard]] absl::Status VerifyPatternFile(uint64_t task, int fd, const std::string& path,
                                             uint64_t bytes);

}  // namespace parlab::workloads

#endif  // PARLAB_WORKLOADS_FILE_WRITE_H_

// Length-prefixed protobuf messages over a file descriptor: how the runner child process talks
// to the worker daemon (a pipe), and how the daemon hands the runner its job (stdin).
//
// Frame: 4-byte little-endian length, then that many bytes of the serialized message.
//
//   PARLAB_RETURN_IF_ERROR(WriteFrame(fd, event));
//   proto::RunnerEvent event;
//   PARLAB_ASSIGN_OR_RETURN(bool got, ReadFrame(fd, &event));  // false: clean end of stream
#ifndef PARLAB_COMMON_FRAMING_H_
#define PARLAB_COMMON_FRAMING_H_

#include <cstdint>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "google/protobuf/message_lite.h"

namespace parlab {

// Frames larger than this are refused when read: a corrupted length never allocates gigabytes.
inline constexpr uint32_t kMaxFrameBytes = 64u << 20;

// Writes one frame; retries on EINTR and short writes.
[[nodiscard]] absl::Status WriteFrame(int fd, const google::protobuf::MessageLite& message);

// Reads one frame into `message`. Returns false on a clean end of stream (EOF before the first
// byte of a frame), an error on a torn frame or a message that does not parse.
[[nodiscard]] absl::StatusOr<bool> ReadFrame(int fd, google::protobuf::MessageLite* message);

}  // namespace parlab

#endif  // PARLAB_COMMON_FRAMING_H_

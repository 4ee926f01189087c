// libFuzzer target: the runner -> worker frame decoder (ReadFrame), on any byte stream a
// crashed or hostile runner could leave in the pipe. Every frame is read until the clean end or
// the first error; a torn or oversized frame must be an error, never a crash or a huge
// allocation.
#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "google/protobuf/stubs/logging.h"
#include "parlab/common/framing.h"
#include "parlab/v1/parlab.pb.h"

// Protobuf logs every malformed string field it meets; the fuzzer meets millions.
extern "C" int LLVMFuzzerInitialize(int* argc, char*** argv) {
  google::protobuf::SetLogHandler(nullptr);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // A memory file, not a pipe: any input size fits and nothing blocks.
  static const int fd = memfd_create("frame_fuzzer", 0);
  if (fd < 0) abort();
  if (ftruncate(fd, 0) != 0 || pwrite(fd, data, size, 0) != static_cast<ssize_t>(size) ||
      lseek(fd, 0, SEEK_SET) != 0) {
    abort();
  }
  for (int frames = 0;; ++frames) {
    parlab::v1::RunnerEvent event;
    absl::StatusOr<bool> got = parlab::ReadFrame(fd, &event);
    if (!got.ok() || !*got) break;
    if (frames > static_cast<int>(size)) abort();  // each frame consumes at least 4 bytes
  }
  return 0;
}

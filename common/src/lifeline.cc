#include "parlab/common/lifeline.h"

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <thread>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace parlab {

absl::StatusOr<Lifeline> Lifeline::Create() {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) {
    return absl::InternalError(absl::StrCat("lifeline pipe: ", std::strerror(errno)));
  }
  return Lifeline(fds[0], fds[1]);
}

Lifeline::Lifeline(Lifeline&& other) noexcept
    : read_fd_(std::exchange(other.read_fd_, -1)), write_fd_(std::exchange(other.write_fd_, -1)) {}

Lifeline& Lifeline::operator=(Lifeline&& other) noexcept {
  if (this != &other) {
    this->~Lifeline();
    read_fd_ = std::exchange(other.read_fd_, -1);
    write_fd_ = std::exchange(other.write_fd_, -1);
  }
  return *this;
}

Lifeline::~Lifeline() {
  CloseChildEnd();
  if (write_fd_ >= 0) ::close(write_fd_);
  write_fd_ = -1;
}

void Lifeline::CloseChildEnd() {
  if (read_fd_ >= 0) ::close(read_fd_);
  read_fd_ = -1;
}

absl::StatusOr<int> ParseLifelineFd(const std::string& flag, const std::string& value) {
  int fd = -1;
  if (!absl::SimpleAtoi(value, &fd) || fd < 3) {
    return absl::InvalidArgumentError(
        absl::StrCat(flag, ": must be a file descriptor >= 3, got \"", value, "\""));
  }
  if (fcntl(fd, F_GETFD) < 0) {
    return absl::InvalidArgumentError(absl::StrCat(flag, ": file descriptor ", fd, " is not open"));
  }
  return fd;
}

void WatchLifeline(int fd, std::function<void()> on_parent_gone) {
  fcntl(fd, F_SETFD, FD_CLOEXEC);
  std::thread([fd, on_parent_gone = std::move(on_parent_gone)] {
    // Nobody ever writes: the only event is the parent's end closing (POLLHUP), or data from a
    // confused parent, which we drain and ignore.
    while (true) {
      pollfd pfd{fd, POLLIN, 0};
      const int rc = ::poll(&pfd, 1, -1);
      if (rc < 0 && errno == EINTR) continue;
      if (rc < 0) break;
      char byte[64];
      const ssize_t n = ::read(fd, byte, sizeof(byte));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
    }
    on_parent_gone();
  }).detach();
}

}  // namespace parlab

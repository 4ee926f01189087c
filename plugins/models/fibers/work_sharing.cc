#include "work_sharing.h"

#include <algorithm>
#include <boost/fiber/type.hpp>

namespace parlab::models {

using boost::fibers::context;

void WorkSharing::awakened(context* ctx) noexcept {
  if (ctx->is_context(boost::fibers::type::pinned_context)) {
    local_.push_back(*ctx);
    return;
  }
  ctx->detach();  // from this thread's scheduler; pick_next() attaches it where it runs
  std::lock_guard<std::mutex> lock(queue_->mu);
  queue_->fibers.push_back(ctx);
  // Wake one idle thread, and only one: the rest stay asleep. Notified under the lock: once
  // it is released, the woken thread may leave run() and its WorkSharing go away.
  if (!queue_->idle.empty()) {
    WorkSharing* idle = queue_->idle.back();
    queue_->idle.pop_back();
    idle->notified_ = true;
    idle->cv_.notify_one();
  }
}

context* WorkSharing::pick_next() noexcept {
  {
    std::unique_lock<std::mutex> lock(queue_->mu);
    if (!queue_->fibers.empty()) {
      context* ctx = queue_->fibers.front();
      queue_->fibers.pop_front();
      lock.unlock();
      context::active()->attach(ctx);
      return ctx;
    }
  }
  if (local_.empty()) return nullptr;
  context* ctx = &local_.front();
  local_.pop_front();
  return ctx;
}

bool WorkSharing::has_ready_fibers() const noexcept {
  std::lock_guard<std::mutex> lock(queue_->mu);
  return !queue_->fibers.empty() || !local_.empty();
}

void WorkSharing::suspend_until(const std::chrono::steady_clock::time_point& until) noexcept {
  std::unique_lock<std::mutex> lock(queue_->mu);
  const auto woken = [this] { return notified_ || !queue_->fibers.empty(); };
  if (!woken()) {
    queue_->idle.push_back(this);
    if (until == std::chrono::steady_clock::time_point::max()) {
      cv_.wait(lock, woken);
    } else {
      cv_.wait_until(lock, until, woken);  // this thread's next timer
    }
    // Still listed if a timer or queued work (not awakened()) woke it.
    auto& idle = queue_->idle;
    idle.erase(std::remove(idle.begin(), idle.end(), this), idle.end());
  }
  notified_ = false;
}

void WorkSharing::notify() noexcept {
  // Under the lock: the caller's thread may go on to end this thread's run (see awakened()).
  std::lock_guard<std::mutex> lock(queue_->mu);
  notified_ = true;
  cv_.notify_one();
}

}  // namespace parlab::models

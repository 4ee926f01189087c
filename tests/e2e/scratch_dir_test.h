// A test fixture with a scratch folder of its own per test (removed after it) and a plan writer,
// for the end-to-end tests that write plans and read daemons' files.
#pragma once

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace parlab::e2e {

class ScratchDirTest : public ::testing::Test {
 protected:
  // `prefix` names the folder: /tmp/PREFIX-PID-TESTNAME.
  explicit ScratchDirTest(std::string prefix) : prefix_(std::move(prefix)) {}

  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           (prefix_ + "-" + std::to_string(getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string WritePlan(const nlohmann::json& plan) {
    std::string path = (dir_ / "plan.json").string();
    std::ofstream(path) << plan.dump();
    return path;
  }

  std::filesystem::path dir_;

 private:
  std::string prefix_;
};

}  // namespace parlab::e2e

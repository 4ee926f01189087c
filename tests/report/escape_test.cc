// EscapeControl: what a plan, a worker or a workload wrote reaches the terminal as visible text.
#include "parlab/report/escape.h"

#include <string>

#include "gtest/gtest.h"

namespace parlab::report {
namespace {

TEST(EscapeControlTest, ControlBytesBecomeVisibleEscapes) {
  EXPECT_EQ(EscapeControl("\x1b[2Jplan\x07"), "\\x1b[2Jplan\\x07");
  EXPECT_EQ(EscapeControl(std::string("a\0b", 3)), "a\\x00b");
  EXPECT_EQ(EscapeControl("tab\there\r\nnext\x7f"), "tab\\x09here\\x0d\\x0anext\\x7f");
  // U+009B is CSI in one character on some terminals.
  EXPECT_EQ(EscapeControl("\xc2\x9b"
                          "31m"),
            "\\u009b31m");
}

TEST(EscapeControlTest, PrintableTextAndUtf8AreKept) {
  EXPECT_EQ(EscapeControl("plan cpu-sieve: 1.23 ± 0.05x, 日本, \\x1b"),
            "plan cpu-sieve: 1.23 ± 0.05x, 日本, \\x1b");
  EXPECT_EQ(EscapeControl("\xc2\xa0nbsp"), "\xc2\xa0nbsp");  // U+00A0 is no control
  EXPECT_EQ(EscapeControl(""), "");
}

TEST(EscapeControlTest, KeepLinesKeepsOnlyLineBreaks) {
  EXPECT_EQ(EscapeControlKeepLines("one\x1b[K\ntwo\r"), "one\\x1b[K\ntwo\\x0d");
}

}  // namespace
}  // namespace parlab::report

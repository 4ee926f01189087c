#include "parlab/common/log.h"

#include "gtest/gtest.h"

namespace parlab::log {
namespace {

TEST(LogTest, PlainWordsAreBare) {
  EXPECT_EQ(FormatEvent("parlab-coordinator", "run_start",
                        {{"run", "run-1"}, {"plan", "cpu-sieve"}, {"workers", 2}, {"jobs", 10}}),
            "parlab-coordinator: event=run_start run=run-1 plan=cpu-sieve workers=2 jobs=10");
}

TEST(LogTest, ValuesWithSpacesQuotesOrEqualsAreQuoted) {
  EXPECT_EQ(QuoteValue("no heartbeat for 5 s"), "\"no heartbeat for 5 s\"");
  EXPECT_EQ(QuoteValue("say \"hi\""), "\"say \\\"hi\\\"\"");
  EXPECT_EQ(QuoteValue("a=b"), "\"a=b\"");
  EXPECT_EQ(QuoteValue("C:\\x"), "\"C:\\\\x\"");
  EXPECT_EQ(QuoteValue(""), "\"\"");
  EXPECT_EQ(QuoteValue("127.0.0.1:7470"), "127.0.0.1:7470");
}

TEST(LogTest, ControlCharactersNeverBreakTheLine) {
  EXPECT_EQ(QuoteValue("line1\nline2\r\tend"), "\"line1\\nline2\\r\\tend\"");
  EXPECT_EQ(QuoteValue(std::string("a\x01") + '\x7f'), "\"a\\x01\\x7f\"");
  std::string line = FormatEvent("p", "job_failed", {{"reason", "boom\nsecond line"}});
  EXPECT_EQ(line.find('\n'), std::string::npos) << line;
}

}  // namespace
}  // namespace parlab::log

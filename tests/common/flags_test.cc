// The one flag parser of parlab's three programs: both spellings of a value, switches, the
// errors that name the argument, the shared value kinds, and the help built from the table.
#include "parlab/common/flags.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace parlab::flags {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Pair;

const std::vector<Flag> kFlags = {
    {"--listen", "HOST:PORT", "address to serve on", "127.0.0.1:0"},
    {"--no-store", "", "record nothing"},
    {"--store", "FILE", "the result store,\ncreated when missing"},
};

TEST(ParseFlagsTest, ValuesSwitchesAndPositionalsInOrder) {
  absl::StatusOr<ParsedFlags> parsed =
      ParseFlags({"run", "--listen", "a:1", "plan.json", "--no-store", "--store=x.db"}, kFlags);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_THAT(parsed->positional, ElementsAre("run", "plan.json"));
  EXPECT_THAT(parsed->values, ElementsAre(Pair("--listen", "a:1"), Pair("--no-store", ""),
                                          Pair("--store", "x.db")));
  EXPECT_FALSE(parsed->help);
  EXPECT_TRUE(ParseFlags({"-h"}, kFlags)->help);
  EXPECT_TRUE(ParseFlags({"--version"}, kFlags)->version);
}

TEST(ParseFlagsTest, ErrorsNameTheArgument) {
  EXPECT_EQ(ParseFlags({"--frobnicate"}, kFlags).status().message(),
            "unknown option \"--frobnicate\"");
  EXPECT_EQ(ParseFlags({"--listen"}, kFlags).status().message(), "--listen: missing value");
  EXPECT_EQ(ParseFlags({"--no-store=yes"}, kFlags).status().message(),
            "--no-store: takes no value, got \"yes\"");
}

TEST(ParseFlagsTest, UnknownFlagsAndCommandsGetASuggestion) {
  EXPECT_EQ(ParseFlags({"--lisen", "a:1"}, kFlags).status().message(),
            "unknown option \"--lisen\" (did you mean --listen?)");
  EXPECT_EQ(ParseFlags({"--no-stor"}, kFlags).status().message(),
            "unknown option \"--no-stor\" (did you mean --no-store?)");
  EXPECT_EQ(ClosestName("runn", {"run", "workers", "results"}), "run");
  EXPECT_EQ(ClosestName("reslts", {"run", "workers", "results"}), "results");
  EXPECT_EQ(ClosestName("bench", {"run", "workers", "results"}), "");
}

TEST(FlagValuesTest, SecondsHostPortKeyValueAndLists) {
  EXPECT_EQ(*PositiveSeconds("--connect-timeout", "2.5"), absl::Milliseconds(2500));
  for (const char* bad : {"soon", "0", "-1", "inf", "nan", ""}) {
    EXPECT_EQ(
        PositiveSeconds("--connect-timeout", bad).status().message(),
        absl::StrCat("--connect-timeout: must be a positive number of seconds, got \"", bad, "\""));
  }
  EXPECT_THAT(
      std::string(
          PositiveSeconds("--heartbeat-timeout", "4000", absl::Hours(1)).status().message()),
      HasSubstr("--heartbeat-timeout: must be a number of seconds in (0, 3600], got \"4000\""));
  EXPECT_EQ(*HostPort("--listen", "127.0.0.1:0", 0), "127.0.0.1:0");
  EXPECT_EQ(HostPort("--coordinator", "host").status().message(),
            "--coordinator: expected HOST:PORT with PORT in 1..65535, got \"host\"");
  EXPECT_EQ(*HostPort("--workers-dns", "workers.lab:7471", 1, "NAME:PORT"), "workers.lab:7471");
  for (const char* bad : {"workers", ":7471", "w:0", "w:70000", "w:port"}) {
    EXPECT_EQ(
        HostPort("--workers-dns", bad, 1, "NAME:PORT").status().message(),
        absl::StrCat("--workers-dns: expected NAME:PORT with PORT in 1..65535, got \"", bad, "\""));
  }
  EXPECT_THAT(*KeyValue("--label", "rack=a=b"), Pair("rack", "a=b"));
  EXPECT_EQ(KeyValue("--label", "rack").status().message(),
            "--label: expected KEY=VALUE, got \"rack\"");
  EXPECT_THAT(SplitList(" a:1, b:2,,"), ElementsAre("a:1", "b:2"));
}

TEST(FlagHelpTest, ListsEveryFlagAlignedWithItsDefault) {
  EXPECT_EQ(FlagHelp(kFlags),
            "  --listen HOST:PORT    address to serve on (default 127.0.0.1:0)\n"
            "  --no-store            record nothing\n"
            "  --store FILE          the result store,\n"
            "                        created when missing\n");
}

}  // namespace
}  // namespace parlab::flags

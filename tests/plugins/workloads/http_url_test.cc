// The strict URL parser (every class of rejection, each with its own reason), the worker's
// allowance (--allow-http), the destination check the worker, runner and coordinator share, and
// the request caps of http.get with a url.
#include "parlab/workloads/http_url.h"

#include <arpa/inet.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <map>
#include <string>

#include "parlab/workloads/http_client.h"
#include "parlab/workloads/workload.h"

namespace parlab::workloads {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;

std::string Refusal(const std::string& url) {
  absl::StatusOr<HttpUrl> parsed = ParseHttpUrl(url);
  EXPECT_FALSE(parsed.ok()) << url << " was accepted";
  if (parsed.ok()) return "";
  EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument);
  // Every refusal says what is allowed, and never quotes a raw control character.
  EXPECT_THAT(parsed.status().message(), HasSubstr(kHttpUrlForm)) << url;
  for (char c : parsed.status().message()) {
    EXPECT_FALSE(static_cast<unsigned char>(c) < 0x20 || c == 0x7f) << url;
  }
  return std::string(parsed.status().message());
}

v1::WorkloadSpec HttpGetSpec(const std::map<std::string, std::string>& params) {
  v1::WorkloadSpec spec;
  spec.set_kind("http.get");
  for (const auto& [name, value] : params) (*spec.mutable_params())[name] = value;
  return spec;
}

TEST(ParseHttpUrl, AcceptsPlainHttpToAnAddress) {
  absl::StatusOr<HttpUrl> url = ParseHttpUrl("http://127.0.0.1:8080/task/3?x=1&y=%2F");
  ASSERT_TRUE(url.ok()) << url.status();
  EXPECT_EQ(url->host, "127.0.0.1");
  EXPECT_EQ(url->port, 8080);
  EXPECT_EQ(url->path, "/task/3?x=1&y=%2F");
  url = ParseHttpUrl("HTTP://LocalHost");
  ASSERT_TRUE(url.ok()) << url.status();
  EXPECT_EQ(url->host, "127.0.0.1");
  EXPECT_EQ(url->port, 80);
  EXPECT_EQ(url->path, "/");
  url = ParseHttpUrl("http://10.0.0.5?q");
  ASSERT_TRUE(url.ok()) << url.status();
  EXPECT_EQ(url->path, "/?q");
}

TEST(ParseHttpUrl, RefusesControlCharactersAnywhere) {
  EXPECT_THAT(Refusal("http://127.0.0.1/x HTTP/1.1\r\nX-Injected: yes\r\n\r\n"),
              HasSubstr("must not contain a space (offset 18)"));
  EXPECT_THAT(Refusal("http://127.0.0.1/x\r\nX-Injected: yes"),
              AllOf(HasSubstr("must not contain a control character (byte 0x0d at offset 18)"),
                    HasSubstr("\\r\\nX-Injected")));
  EXPECT_THAT(Refusal("http://127.0.0.1/x\nX: y"), HasSubstr("byte 0x0a at offset 18"));
  EXPECT_THAT(Refusal(std::string("http://127.0.0.1/x\0y", 20)), HasSubstr("byte 0x00"));
  EXPECT_THAT(Refusal("http://127.0.0.1/x\ty"), HasSubstr("byte 0x09"));
  EXPECT_THAT(Refusal("http://127.0.0.1/x\x7fy"), HasSubstr("byte 0x7f"));
  EXPECT_THAT(Refusal("http://127.0.0.1\r\n/"), HasSubstr("byte 0x0d at offset 16"));
  EXPECT_THAT(Refusal("http://127.0.0.1/ x"), HasSubstr("must not contain a space"));
  EXPECT_THAT(Refusal("http://127.0.0.1/\xc3\xa9"), HasSubstr("must be ASCII (byte 0xc3"));
}

TEST(ParseHttpUrl, RefusesOtherSchemes) {
  for (const char* url :
       {"https://127.0.0.1/", "file:///etc/passwd", "gopher://127.0.0.1:70/", "ftp://127.0.0.1/",
        "httpx://127.0.0.1/", "127.0.0.1:80/x", "//127.0.0.1/", "http:/127.0.0.1/", ""}) {
    EXPECT_THAT(Refusal(url), HasSubstr("must use the http scheme")) << url;
  }
  EXPECT_THAT(Refusal("https://127.0.0.1/"), HasSubstr("not scheme \"https\""));
}

TEST(ParseHttpUrl, RefusesUserinfo) {
  EXPECT_THAT(Refusal("http://user@127.0.0.1/"), HasSubstr("must not carry userinfo"));
  EXPECT_THAT(Refusal("http://user:pw@127.0.0.1:80/"), HasSubstr("must not carry userinfo"));
  // The classic confusion: the host is what follows the '@'.
  EXPECT_THAT(Refusal("http://127.0.0.1:80@10.0.0.1/"), HasSubstr("must not carry userinfo"));
}

TEST(ParseHttpUrl, RefusesHostsThatAreNotIpv4Literals) {
  EXPECT_THAT(Refusal("http://example.com/"), HasSubstr("no DNS lookups"));
  EXPECT_THAT(Refusal("http://[::1]:80/"), HasSubstr("IPv6 is not supported"));
  EXPECT_THAT(Refusal("http:///x"), HasSubstr("must name a host"));
  EXPECT_THAT(Refusal("http://:80/x"), HasSubstr("must name a host"));
  EXPECT_THAT(Refusal("http://127.1/"), HasSubstr("dotted decimal"));
  EXPECT_THAT(Refusal("http://0x7f.0.0.1/"), HasSubstr("dotted decimal"));
  EXPECT_THAT(Refusal("http://2130706433/"), HasSubstr("dotted decimal"));
}

TEST(ParseHttpUrl, RefusesBadPorts) {
  for (const char* url :
       {"http://127.0.0.1:0/", "http://127.0.0.1:65536/", "http://127.0.0.1:/",
        "http://127.0.0.1:+80/", "http://127.0.0.1:8a/", "http://127.0.0.1:080080/"}) {
    EXPECT_THAT(Refusal(url), HasSubstr("port must be 1..65535 in digits")) << url;
  }
}

TEST(ParseHttpUrl, RefusesFragmentsUnsafeCharactersAndBadEscapes) {
  EXPECT_THAT(Refusal("http://127.0.0.1/x#frag"), HasSubstr("must not carry a fragment"));
  EXPECT_THAT(Refusal("http://127.0.0.1/x\"y"), HasSubstr("must not contain '\"'"));
  EXPECT_THAT(Refusal("http://127.0.0.1/<script>"), HasSubstr("must not contain '<'"));
  EXPECT_THAT(Refusal("http://127.0.0.1/a\\b"), HasSubstr("must not contain '\\'"));
  EXPECT_THAT(Refusal("http://127.0.0.1/a%0"), HasSubstr("does not start a %XX escape"));
  EXPECT_THAT(Refusal("http://127.0.0.1/a%zz"), HasSubstr("does not start a %XX escape"));
}

TEST(HttpAllowList, DefaultIsLoopbackOnly) {
  HttpAllowList allow;
  EXPECT_EQ(allow.ToString(), "loopback");
  EXPECT_TRUE(allow.Allows(*ParseHttpUrl("http://127.0.0.1:1/")));
  EXPECT_TRUE(allow.Allows(*ParseHttpUrl("http://127.9.9.9:65535/")));
  EXPECT_TRUE(allow.Allows(*ParseHttpUrl("http://localhost/")));
  for (const char* url :
       {"http://10.0.0.1/", "http://169.254.169.254/latest/meta-data/", "http://192.168.1.1/",
        "http://0.0.0.0/", "http://128.0.0.1/", "http://126.255.255.255/"}) {
    EXPECT_FALSE(allow.Allows(*ParseHttpUrl(url))) << url;
  }
}

TEST(HttpAllowList, ListedEntriesReplaceTheDefaultExactly) {
  absl::StatusOr<HttpAllowList> allow = HttpAllowList::Parse(" 10.0.0.5 , 127.0.0.1:8080");
  ASSERT_TRUE(allow.ok()) << allow.status();
  EXPECT_EQ(allow->ToString(), "10.0.0.5,127.0.0.1:8080");
  EXPECT_TRUE(allow->Allows(*ParseHttpUrl("http://10.0.0.5/")));
  EXPECT_TRUE(allow->Allows(*ParseHttpUrl("http://10.0.0.5:9999/")));
  EXPECT_TRUE(allow->Allows(*ParseHttpUrl("http://127.0.0.1:8080/")));
  EXPECT_FALSE(allow->Allows(*ParseHttpUrl("http://127.0.0.1:8081/")));  // loopback not listed
  EXPECT_FALSE(allow->Allows(*ParseHttpUrl("http://127.0.0.2:8080/")));
  EXPECT_FALSE(allow->Allows(*ParseHttpUrl("http://10.0.0.6/")));
  absl::StatusOr<HttpAllowList> again = HttpAllowList::Parse(allow->ToString());
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->entries(), allow->entries());
  absl::StatusOr<HttpAllowList> with_loopback = HttpAllowList::Parse("loopback,10.0.0.5:80");
  ASSERT_TRUE(with_loopback.ok());
  EXPECT_TRUE(with_loopback->Allows(*ParseHttpUrl("http://127.0.0.1:8081/")));
  EXPECT_FALSE(with_loopback->Allows(*ParseHttpUrl("http://10.0.0.5:81/")));
}

TEST(HttpAllowList, BadEntriesAreNamed) {
  EXPECT_THAT(HttpAllowList::Parse("example.com").status().message(),
              AllOf(HasSubstr("not an IPv4 address"), HasSubstr("\"example.com\"")));
  EXPECT_THAT(HttpAllowList::Parse("10.0.0.1:0").status().message(),
              HasSubstr("port must be 1..65535"));
  EXPECT_THAT(HttpAllowList::Parse("10.0.0.1,,10.0.0.2").status().message(),
              HasSubstr("an empty entry"));
  EXPECT_THAT(HttpAllowList::Parse("10.0.0.0/8").status().message(),
              HasSubstr("not an IPv4 address"));
}

TEST(CheckWorkloadDestinations, NamesTheFieldTheValueAndWhatIsAllowed) {
  HttpAllowList loopback;
  EXPECT_TRUE(CheckWorkloadDestinations(HttpGetSpec({}), loopback).ok());  // its own server
  EXPECT_TRUE(
      CheckWorkloadDestinations(HttpGetSpec({{"url", "http://127.0.0.1:9/"}}), loopback).ok());
  v1::WorkloadSpec sleep;
  sleep.set_kind("sleep");
  (*sleep.mutable_params())["url"] = "http://10.0.0.1/";  // not http.get's: not a destination
  EXPECT_TRUE(CheckWorkloadDestinations(sleep, loopback).ok());

  absl::Status refused = CheckWorkloadDestinations(
      HttpGetSpec({{"url", "http://169.254.169.254/latest"}}), loopback, "10.1.1.1:4511");
  EXPECT_EQ(refused.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(
      refused.message(),
      AllOf(HasSubstr("plan.workload.params.url: host 169.254.169.254:80 is not allowed by the "
                      "worker 10.1.1.1:4511 (allowed: loopback;"),
            HasSubstr("--allow-http"), HasSubstr("\"http://169.254.169.254/latest\"")));
  absl::Status malformed =
      CheckWorkloadDestinations(HttpGetSpec({{"url", "http://127.0.0.1/\r\nX: y"}}), loopback);
  EXPECT_THAT(malformed.message(),
              AllOf(HasSubstr("plan.workload.params.url: must not contain a control character"),
                    Not(HasSubstr("\r"))));
}

TEST(HttpGetUrl, RequestsToSomeoneElsesServerAreCapped) {
  EXPECT_EQ(OutboundRequestsPerRepetition(HttpGetSpec({{"requests", "5000"}})), 0u);
  EXPECT_EQ(OutboundRequestsPerRepetition(HttpGetSpec({{"url", "http://127.0.0.1/"}})), 100u);
  EXPECT_EQ(
      OutboundRequestsPerRepetition(HttpGetSpec({{"url", "http://127.0.0.1/"}, {"requests", "7"}})),
      7u);
  EXPECT_TRUE(
      ValidateWorkloadSpec(HttpGetSpec({{"url", "http://127.0.0.1/"}, {"requests", "10000"}}))
          .ok());
  EXPECT_THAT(
      ValidateWorkloadSpec(HttpGetSpec({{"url", "http://127.0.0.1/"}, {"requests", "10001"}}))
          .message(),
      HasSubstr(
          "plan.workload.params.requests: must be <= 10000 per repetition when url is given"));
  // The built-in loopback server keeps its own, larger cap.
  EXPECT_TRUE(ValidateWorkloadSpec(HttpGetSpec({{"requests", "10001"}, {"delay_ms", "0"}})).ok());
  EXPECT_THAT(ValidateWorkloadSpec(HttpGetSpec({{"url", "http://u@127.0.0.1/"}})).message(),
              HasSubstr("plan.workload.params.url: must not carry userinfo"));
}

// A URL built by hand (not through ParseHttpUrl) with CR/LF is refused before a socket exists: a
// listener sees no connection.
TEST(HttpGetUrl, TheClientRefusesAHandBuiltUrlWithCrLf) {
  const int listener = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  ASSERT_EQ(listen(listener, 4), 0);
  socklen_t len = sizeof(addr);
  getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len);
  HttpUrl url;
  url.host = "127.0.0.1";
  url.port = ntohs(addr.sin_port);
  url.path = "/x HTTP/1.1\r\nX-Injected: yes\r\n\r\nGET /y";
  url.text = "hand-built";
  HttpGet get(url, 1'000'000'000);
  absl::StatusOr<HttpResponse> response = get.Run();
  EXPECT_THAT(response.status().message(), HasSubstr("not sent"));
  pollfd pfd{listener, POLLIN, 0};
  EXPECT_EQ(poll(&pfd, 1, 100), 0);  // nobody connected
  close(listener);
}

}  // namespace
}  // namespace parlab::workloads

// The strict URL parser and the worker's allowance. Strict on purpose: the path goes onto the
// wire inside "GET <path> HTTP/1.1\r\n", so any byte that could end that line or the header block
// (CR, LF, and for safety every control character and space) is refused, never escaped.
#include "parlab/workloads/http_url.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <optional>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace parlab::workloads {
namespace {

constexpr absl::string_view kScheme = "http://";
constexpr char kUrlField[] = "plan.workload.params.url";  // as params.h's FieldName("url")
constexpr char kHttpGetKind[] = "http.get";
constexpr char kLoopback[] = "loopback";

// The value as an error quotes it: control characters escaped, so that a CR/LF in a plan cannot
// forge log lines either.
std::string Quoted(absl::string_view text) { return absl::StrCat("\"", absl::CEscape(text), "\""); }

absl::Status Bad(absl::string_view what, absl::string_view text) {
  return absl::InvalidArgumentError(
      absl::StrCat(what, " (allowed: ", kHttpUrlForm, "), got ", Quoted(text)));
}

// Characters RFC 3986 leaves out of URLs, or that some server treats specially: refused in the
// path rather than sent.
bool Unsafe(char c) { return absl::string_view("\"<>\\^`{|}").find(c) != absl::string_view::npos; }

std::optional<uint32_t> Ipv4(const std::string& text) {
  in_addr addr{};
  // inet_pton's AF_INET form is strict dotted decimal: no "0x7f.1", no "127.1", no leading zeros.
  if (inet_pton(AF_INET, text.c_str(), &addr) != 1) return std::nullopt;
  return ntohl(addr.s_addr);
}

bool IsLoopback(uint32_t address) { return (address >> 24) == 127; }

std::string FormatIpv4(uint32_t address) {
  return absl::StrCat(address >> 24, ".", (address >> 16) & 0xff, ".", (address >> 8) & 0xff, ".",
                      address & 0xff);
}

std::optional<uint16_t> Port(absl::string_view digits) {
  if (digits.empty() || digits.size() > 5) return std::nullopt;
  for (char c : digits) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) return std::nullopt;
  }
  int port = 0;
  if (!absl::SimpleAtoi(digits, &port) || port < 1 || port > 65535) return std::nullopt;
  return static_cast<uint16_t>(port);
}

}  // namespace

absl::StatusOr<HttpUrl> ParseHttpUrl(absl::string_view text) {
  // Bytes first, over the whole text: nothing below may see a CR, a space or a non-ASCII byte.
  for (size_t i = 0; i < text.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (c < 0x20 || c == 0x7f) {
      return Bad(absl::StrCat("must not contain a control character (byte 0x",
                              absl::Hex(c, absl::kZeroPad2), " at offset ", i, ")"),
                 text);
    }
    if (c == ' ') return Bad(absl::StrCat("must not contain a space (offset ", i, ")"), text);
    if (c >= 0x80) {
      return Bad(absl::StrCat("must be ASCII (byte 0x", absl::Hex(c, absl::kZeroPad2),
                              " at offset ", i, "; percent-encode it)"),
                 text);
    }
  }
  const size_t colon_slashes = text.find("://");
  if (colon_slashes == absl::string_view::npos ||
      !absl::EqualsIgnoreCase(text.substr(0, colon_slashes), "http")) {
    const std::string scheme = colon_slashes == absl::string_view::npos
                                   ? std::string("none")
                                   : std::string(text.substr(0, colon_slashes));
    return Bad(
        absl::StrCat("must use the http scheme (plain HTTP, no TLS), not scheme ", Quoted(scheme)),
        text);
  }
  absl::string_view rest = text.substr(kScheme.size());
  const size_t path_start = rest.find_first_of("/?#");
  absl::string_view authority = rest.substr(0, path_start);
  absl::string_view path =
      path_start == absl::string_view::npos ? absl::string_view() : rest.substr(path_start);
  if (authority.find('@') != absl::string_view::npos) {
    return Bad("must not carry userinfo (user:password@)", text);
  }
  if (path.find('#') != absl::string_view::npos) {
    return Bad("must not carry a fragment (#...): it is never sent to the server", text);
  }
  for (size_t i = 0; i < path.size(); ++i) {
    if (Unsafe(path[i])) {
      return Bad(absl::StrCat("must not contain '", std::string(1, path[i]), "' in the path",
                              " (percent-encode it)"),
                 text);
    }
    if (path[i] == '%' && (i + 2 >= path.size() || !absl::ascii_isxdigit(path[i + 1]) ||
                           !absl::ascii_isxdigit(path[i + 2]))) {
      return Bad("has a '%' that does not start a %XX escape", text);
    }
  }
  HttpUrl url;
  url.text = std::string(text);
  url.path = path.empty() ? "/" : (path[0] == '?' ? absl::StrCat("/", path) : std::string(path));
  absl::string_view host = authority;
  if (!authority.empty() && authority[0] == '[') {
    return Bad("host must be an IPv4 address or localhost (IPv6 is not supported)", text);
  }
  if (const size_t colon = authority.rfind(':'); colon != absl::string_view::npos) {
    host = authority.substr(0, colon);
    std::optional<uint16_t> port = Port(authority.substr(colon + 1));
    if (!port.has_value()) return Bad("port must be 1..65535 in digits", text);
    url.port = *port;
  }
  if (host.empty()) return Bad("must name a host", text);
  url.host = absl::EqualsIgnoreCase(host, "localhost") ? "127.0.0.1" : std::string(host);
  if (!Ipv4(url.host).has_value()) {
    // A resolver call blocks, which no step may do; benchmark hosts are addresses anyway.
    return Bad("host must be an IPv4 address in dotted decimal or localhost (no DNS lookups)",
               text);
  }
  return url;
}

std::string FormatHttpUrl(absl::string_view host, uint16_t port, absl::string_view path) {
  return absl::StrCat(kScheme, host, ":", port, path);
}

HttpAllowList::HttpAllowList() {
  rules_.push_back({.loopback = true});
  entries_.push_back(kLoopback);
}

absl::StatusOr<HttpAllowList> HttpAllowList::Parse(absl::string_view list) {
  HttpAllowList allow;
  allow.rules_.clear();
  allow.entries_.clear();
  for (absl::string_view entry : absl::StrSplit(list, ',')) {
    entry = absl::StripAsciiWhitespace(entry);
    const std::string form = absl::StrCat(
        "(allowed: loopback, IPV4 or IPV4:PORT, comma-separated; no names: workers "
        "do no DNS lookups), got ",
        Quoted(entry));
    if (entry.empty()) {
      return absl::InvalidArgumentError(absl::StrCat("an empty entry in ", Quoted(list),
                                                     " (allowed: loopback, IPV4 or "
                                                     "IPV4:PORT, comma-separated)"));
    }
    Rule rule;
    if (entry == kLoopback) {
      rule.loopback = true;
      allow.entries_.push_back(kLoopback);
    } else {
      absl::string_view host = entry;
      if (const size_t colon = entry.find(':'); colon != absl::string_view::npos) {
        host = entry.substr(0, colon);
        rule.port = Port(entry.substr(colon + 1));
        if (!rule.port.has_value()) {
          return absl::InvalidArgumentError(absl::StrCat("port must be 1..65535 ", form));
        }
      }
      std::optional<uint32_t> address = Ipv4(std::string(host));
      if (!address.has_value()) {
        return absl::InvalidArgumentError(absl::StrCat("not an IPv4 address ", form));
      }
      rule.address = *address;
      allow.entries_.push_back(rule.port.has_value()
                                   ? absl::StrCat(FormatIpv4(*address), ":", *rule.port)
                                   : FormatIpv4(*address));
    }
    allow.rules_.push_back(rule);
  }
  return allow;
}

bool HttpAllowList::Allows(const HttpUrl& url) const {
  std::optional<uint32_t> address = Ipv4(url.host);
  if (!address.has_value()) return false;
  for (const Rule& rule : rules_) {
    if (rule.loopback ? IsLoopback(*address)
                      : (rule.address == *address && (!rule.port || *rule.port == url.port))) {
      return true;
    }
  }
  return false;
}

std::string HttpAllowList::ToString() const { return absl::StrJoin(entries_, ","); }

uint64_t OutboundRequestsPerRepetition(const v1::WorkloadSpec& spec) {
  if (spec.kind() != kHttpGetKind || !spec.params().contains("url")) return 0;
  uint64_t requests = 100;  // http.get's default
  if (auto it = spec.params().find("requests"); it != spec.params().end()) {
    if (!absl::SimpleAtoi(absl::StripAsciiWhitespace(it->second), &requests)) return 0;
  }
  return requests;
}

absl::Status CheckWorkloadDestinations(const v1::WorkloadSpec& spec, const HttpAllowList& allow,
                                       absl::string_view where) {
  if (spec.kind() != kHttpGetKind) return absl::OkStatus();
  auto it = spec.params().find("url");
  if (it == spec.params().end()) return absl::OkStatus();  // the runner's own server
  absl::StatusOr<HttpUrl> url = ParseHttpUrl(it->second);
  if (!url.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(kUrlField, ": ", url.status().message()));
  }
  if (allow.Allows(*url)) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(
      kUrlField, ": host ", url->host, ":", url->port, " is not allowed by the worker",
      where.empty() ? "" : absl::StrCat(" ", where), " (allowed: ", allow.ToString(),
      "; a plan cannot widen this: the worker's operator can, with parlab-worker --allow-http "
      "HOST[:PORT],...), got ",
      Quoted(it->second)));
}

}  // namespace parlab::workloads

#include "parlab/common/flags.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace parlab::flags {
namespace {

const Flag* Find(const std::vector<Flag>& flags, absl::string_view name) {
  for (const Flag& flag : flags) {
    if (flag.name == name) return &flag;
  }
  return nullptr;
}

size_t EditDistance(absl::string_view a, absl::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t replaced = diagonal + (a[i - 1] == b[j - 1] ? 0 : 1);
      diagonal = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, replaced});
    }
  }
  return row[b.size()];
}

}  // namespace

std::string ClosestName(absl::string_view typed, const std::vector<std::string>& names) {
  std::string best;
  size_t best_distance = 3;  // more than 2 edits away is no suggestion
  for (const std::string& name : names) {
    size_t distance = EditDistance(typed, name);
    if (typed.size() >= 3 && (absl::StartsWith(name, typed) || absl::StartsWith(typed, name))) {
      distance = std::min<size_t>(distance, 1);
    }
    if (distance < best_distance) {
      best_distance = distance;
      best = name;
    }
  }
  return best;
}

absl::StatusOr<ParsedFlags> ParseFlags(const std::vector<std::string>& args,
                                       const std::vector<Flag>& flags) {
  ParsedFlags parsed;
  for (size_t i = 0; i < args.size(); ++i) {
    std::string name = args[i];
    std::string value;
    bool inline_value = false;
    if (size_t eq = name.find('='); name.rfind("--", 0) == 0 && eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
      inline_value = true;
    }
    if (name == "--help" || name == "-h") {
      parsed.help = true;
      continue;
    }
    if (name == "--version") {
      parsed.version = true;
      continue;
    }
    if (name.empty() || name[0] != '-' || name == "-") {
      parsed.positional.push_back(name);
      continue;
    }
    const Flag* flag = Find(flags, name);
    if (flag == nullptr) {
      std::vector<std::string> names;
      for (const Flag& known : flags) names.push_back(known.name);
      const std::string closest = ClosestName(name, names);
      return absl::InvalidArgumentError(
          absl::StrCat("unknown option \"", name, "\"",
                       closest.empty() ? "" : absl::StrCat(" (did you mean ", closest, "?)")));
    }
    if (flag->value_name.empty()) {
      if (inline_value) {
        return absl::InvalidArgumentError(
            absl::StrCat(name, ": takes no value, got \"", value, "\""));
      }
    } else if (!inline_value) {
      if (i + 1 >= args.size())
        return absl::InvalidArgumentError(absl::StrCat(name, ": missing value"));
      value = args[++i];
    }
    parsed.values.emplace_back(name, value);
  }
  return parsed;
}

std::string FlagHelp(const std::vector<Flag>& flags) {
  size_t width = 0;
  auto label = [](const Flag& flag) {
    return flag.value_name.empty() ? flag.name : absl::StrCat(flag.name, " ", flag.value_name);
  };
  for (const Flag& flag : flags) width = std::max(width, label(flag).size());
  const std::string indent(4 + width + 2, ' ');
  std::string help;
  for (const Flag& flag : flags) {
    std::string text = flag.help;
    if (!flag.default_text.empty()) absl::StrAppend(&text, " (default ", flag.default_text, ")");
    const std::string name = label(flag);
    absl::StrAppend(&help, "  ", name, std::string(width - name.size() + 4, ' '),
                    absl::StrReplaceAll(text, {{"\n", "\n" + indent}}), "\n");
  }
  return help;
}

absl::StatusOr<absl::Duration> PositiveSeconds(absl::string_view flag, absl::string_view value,
                                               absl::Duration max) {
  double seconds = 0;
  const bool number = absl::SimpleAtod(value, &seconds) && std::isfinite(seconds);
  if (!number || !(seconds > 0) || absl::Seconds(seconds) > max) {
    const std::string range =
        max == absl::InfiniteDuration()
            ? "a positive number of seconds"
            : absl::StrCat("a number of seconds in (0, ", absl::ToDoubleSeconds(max), "]");
    return absl::InvalidArgumentError(
        absl::StrCat(flag, ": must be ", range, ", got \"", value, "\""));
  }
  return absl::Seconds(seconds);
}

absl::StatusOr<std::string> HostPort(absl::string_view flag, absl::string_view value, int min_port,
                                     absl::string_view shape) {
  const size_t colon = value.rfind(':');
  int port = -1;
  if (colon == absl::string_view::npos || colon == 0 ||
      !absl::SimpleAtoi(value.substr(colon + 1), &port) || port < min_port || port > 65535) {
    return absl::InvalidArgumentError(absl::StrCat(flag, ": expected ", shape, " with PORT in ",
                                                   min_port, "..65535, got \"", value, "\""));
  }
  return std::string(value);
}

absl::StatusOr<std::pair<std::string, std::string>> KeyValue(absl::string_view flag,
                                                             absl::string_view value) {
  const size_t eq = value.find('=');
  if (eq == absl::string_view::npos || eq == 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(flag, ": expected KEY=VALUE, got \"", value, "\""));
  }
  return std::make_pair(std::string(value.substr(0, eq)), std::string(value.substr(eq + 1)));
}

std::vector<std::string> SplitList(absl::string_view value) {
  std::vector<std::string> items;
  for (absl::string_view item : absl::StrSplit(value, ',', absl::SkipWhitespace())) {
    items.emplace_back(absl::StripAsciiWhitespace(item));
  }
  return items;
}

}  // namespace parlab::flags

#include "parsers/parser_module.h"

namespace mfx::parsers {
namespace {
std::string InputName(const ParserInput& in) { return in.domain + "/" + in.path; }
}  // namespace

void ParserContext::Corrupt(const ParserInput& in, std::string_view table, std::string rowid,
                            std::string message) {
  issues_.push_back({ParserIssue::Kind::kCorruptRow, InputName(in), std::string(table), std::move(rowid),
                     std::move(message)});
}

void ParserContext::Unsupported(const ParserInput& in, std::string message) {
  issues_.push_back({ParserIssue::Kind::kUnsupported, InputName(in), {}, {}, std::move(message)});
}

void ParserContext::Warning(const ParserInput& in, std::string message) {
  issues_.push_back({ParserIssue::Kind::kWarning, InputName(in), {}, {}, std::move(message)});
}

std::vector<const ParserInput*> ParserInputs::Get(std::string_view name) const {
  std::vector<const ParserInput*> out;
  for (const auto& in : inputs_) {
    if (in.spec && in.spec->name == name) out.push_back(&in);
  }
  return out;
}

const ParserInput* ParserInputs::First(std::string_view name) const {
  for (const auto& in : inputs_) {
    if (in.spec && in.spec->name == name) return &in;
  }
  return nullptr;
}

bool MatchPattern(std::string_view p, std::string_view t) {
  // Iterative wildcard match with backtracking to the last '*'.
  size_t pi = 0, ti = 0, star = std::string_view::npos, mark = 0;
  while (ti < t.size()) {
    if (pi < p.size() && p[pi] == '*') {
      star = pi++;
      mark = ti;
    } else if (pi < p.size() && p[pi] == t[ti]) {
      ++pi;
      ++ti;
    } else if (star != std::string_view::npos) {
      pi = star + 1;
      ti = ++mark;
    } else {
      return false;
    }
  }
  while (pi < p.size() && p[pi] == '*') ++pi;
  return pi == p.size();
}

}  // namespace mfx::parsers

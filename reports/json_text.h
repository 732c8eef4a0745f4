#pragma once
// JSON text written by hand where building nlohmann::json values would cost more than the rest of
// the work (exports, the case database's list columns), escaped exactly as nlohmann::json::dump
// escapes it, so that both give the same bytes.

#include <string>
#include <string_view>

namespace mfx::reports {

// Appends s (valid UTF-8) as a JSON string, quotes included.
void AppendJsonString(std::string& out, std::string_view s);

}  // namespace mfx::reports

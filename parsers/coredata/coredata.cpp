#include "parsers/coredata/coredata.h"

#include <algorithm>
#include <strings.h>

namespace mfx::parsers::coredata {

Result<EntityMap> EntityMap::Load(const core::SqliteDb& db) {
  if (!db.HasTable("Z_PRIMARYKEY") || !db.HasColumn("Z_PRIMARYKEY", "Z_NAME") ||
      !db.HasColumn("Z_PRIMARYKEY", "Z_SUPER")) {
    return Fail(ErrorCode::kUnsupported, db.description() + ": no Core Data Z_PRIMARYKEY(Z_ENT, Z_NAME, Z_SUPER)");
  }
  MFX_ASSIGN_OR_RETURN(auto st, db.Prepare("SELECT Z_ENT, Z_NAME, Z_SUPER FROM Z_PRIMARYKEY"));
  EntityMap out;
  for (;;) {
    MFX_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    if (st.IsNull(0) || st.IsNull(1)) continue;
    out.names_[st.Int(0)] = std::string(st.Text(1));
    out.super_[st.Int(0)] = st.IsNull(2) ? 0 : st.Int(2);
  }
  return out;
}

std::optional<int64_t> EntityMap::Find(std::string_view name) const {
  for (const auto& [ent, n] : names_) {
    if (n == name) return ent;
  }
  return std::nullopt;
}

std::optional<std::string> EntityMap::Name(int64_t ent) const {
  auto it = names_.find(ent);
  if (it == names_.end()) return std::nullopt;
  return it->second;
}

std::vector<int64_t> EntityMap::WithSubentities(int64_t ent) const {
  std::vector<int64_t> out;
  for (const auto& [e, name] : names_) {
    // Walk up the Z_SUPER chain (bounded by the number of entities: a cycle cannot loop forever).
    int64_t cur = e;
    for (size_t steps = 0; steps <= names_.size(); ++steps) {
      if (cur == ent) {
        out.push_back(e);
        break;
      }
      auto it = super_.find(cur);
      if (it == super_.end() || it->second == 0 || it->second == cur) break;
      cur = it->second;
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<int64_t> EntityMap::EndingWith(std::string_view suffix) const {
  std::vector<int64_t> out;
  for (const auto& [ent, name] : names_) {
    if (name.size() >= suffix.size() && name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0) {
      out.push_back(ent);
    }
  }
  return out;
}

std::string SqlInList(const std::vector<int64_t>& values) {
  if (values.empty()) return "NULL";
  std::string out;
  for (int64_t v : values) out += (out.empty() ? "" : ",") + std::to_string(v);
  return out;
}

std::string DescribeColumns(const core::SqliteDb& db, std::string_view table) {
  std::string out;
  for (const auto& c : db.Columns(table)) {
    out += (out.empty() ? "" : ", ") + c.name + (c.type.empty() ? "" : " " + c.type);
  }
  return out.empty() ? "(no such table)" : out;
}

std::vector<std::string> MissingColumns(const core::SqliteDb& db, std::string_view table,
                                        const std::vector<std::string_view>& required) {
  const auto cols = db.Columns(table);
  std::vector<std::string> missing;
  for (std::string_view r : required) {
    const bool found = std::any_of(cols.begin(), cols.end(), [&](const core::ColumnInfo& c) {
      return c.name.size() == r.size() && strncasecmp(c.name.c_str(), r.data(), r.size()) == 0;
    });
    if (!found) missing.emplace_back(r);
  }
  return missing;
}

}  // namespace mfx::parsers::coredata

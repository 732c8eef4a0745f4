#pragma once
// The column layout of a record kind in the case database, derived from its VisitFields, so the
// writer (case_db) and every reader (exports, reports) agree without spelling field names twice.
//
// Per kind a table named after the kind with:
//   id INTEGER PRIMARY KEY, parser, app, time (+ time_us, time_raw, time_encoding), deleted,
//   src_domain, src_path, src_file_id, src_table, src_rowid, src_decode_chain,
//   then one column per field: TEXT, INTEGER, REAL, BOOLEAN (0/1), JSON (lists, as JSON text),
//   TIMESTAMP (ISO 8601 UTC text) with the companions <name>_us, <name>_raw, <name>_encoding.

#include <string>
#include <string_view>
#include <vector>

#include "parsers/records.h"

namespace mfx::reports {

enum class ColumnType { kText, kInteger, kReal, kBoolean, kJson, kTimestamp };

struct FieldColumn {
  std::string name;
  ColumnType type;
  bool attachments = false;  // JSON list of attachment objects
};

class SchemaVisitor {
 public:
  explicit SchemaVisitor(std::vector<FieldColumn>& out) : out_(out) {}
  void operator()(std::string_view n, const std::string&) { Add(n, ColumnType::kText); }
  void operator()(std::string_view n, const parsers::OptString&) { Add(n, ColumnType::kText); }
  void operator()(std::string_view n, int64_t) { Add(n, ColumnType::kInteger); }
  void operator()(std::string_view n, const std::optional<int64_t>&) { Add(n, ColumnType::kInteger); }
  void operator()(std::string_view n, const std::optional<double>&) { Add(n, ColumnType::kReal); }
  void operator()(std::string_view n, bool) { Add(n, ColumnType::kBoolean); }
  void operator()(std::string_view n, const std::optional<bool>&) { Add(n, ColumnType::kBoolean); }
  void operator()(std::string_view n, const parsers::OptTime&) { Add(n, ColumnType::kTimestamp); }
  void operator()(std::string_view n, const std::vector<std::string>&) { Add(n, ColumnType::kJson); }
  void operator()(std::string_view n, const std::vector<parsers::EditVersion>&) { Add(n, ColumnType::kJson); }
  void operator()(std::string_view n, const std::vector<parsers::Attachment>&) {
    Add(n, ColumnType::kJson);
    out_.back().attachments = true;
  }

 private:
  void Add(std::string_view n, ColumnType t) { out_.push_back({std::string(n), t, false}); }
  std::vector<FieldColumn>& out_;
};

template <class R>
std::vector<FieldColumn> FieldColumns() {
  std::vector<FieldColumn> out;
  R().VisitFields(SchemaVisitor(out));
  return out;
}

struct KindInfo {
  std::string kind;  // table name = export file name
  std::vector<FieldColumn> fields;
};

// Every record kind, in MFX_RECORD_TYPES order.
const std::vector<KindInfo>& AllKinds();

// The common columns that precede the field columns.
inline constexpr const char* kCommonColumns[] = {
    "id", "parser", "app", "time", "time_us", "time_raw", "time_encoding", "deleted",
    "src_domain", "src_path", "src_file_id", "src_table", "src_rowid", "src_decode_chain"};

std::string_view ColumnTypeName(ColumnType t);  // declared SQL type: TEXT, INTEGER, …

}  // namespace mfx::reports

#include "reports/record_schema.h"

namespace mfx::reports {

const std::vector<KindInfo>& AllKinds() {
  static const std::vector<KindInfo> kKinds = [] {
    std::vector<KindInfo> out;
#define MFX_KIND_INFO_(Type) \
  out.push_back({std::string(parsers::Type::kKind), FieldColumns<parsers::Type>()});
    MFX_RECORD_TYPES(MFX_KIND_INFO_)
#undef MFX_KIND_INFO_
    return out;
  }();
  return kKinds;
}

std::string_view ColumnTypeName(ColumnType t) {
  switch (t) {
    case ColumnType::kText: return "TEXT";
    case ColumnType::kInteger: return "INTEGER";
    case ColumnType::kReal: return "REAL";
    case ColumnType::kBoolean: return "BOOLEAN";
    case ColumnType::kJson: return "JSON";
    case ColumnType::kTimestamp: return "TIMESTAMP";
  }
  return "TEXT";
}

}  // namespace mfx::reports

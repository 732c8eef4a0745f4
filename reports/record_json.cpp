#include "reports/record_json.h"

namespace mfx::reports {

OrderedJson SourceJson(const parsers::Provenance& p) {
  OrderedJson s;
  s["domain"] = SanitizeUtf8(p.domain);
  s["path"] = SanitizeUtf8(p.path);
  s["file_id"] = p.file_id;
  s["table"] = p.table ? OrderedJson(*p.table) : OrderedJson();
  if (const auto* i = std::get_if<int64_t>(&p.rowid)) {
    s["rowid"] = *i;
  } else if (const auto* k = std::get_if<std::string>(&p.rowid)) {
    s["rowid"] = SanitizeUtf8(*k);
  } else {
    s["rowid"] = nullptr;
  }
  if (!p.decode_chain.empty()) s["decode_chain"] = p.decode_chain;
  return s;
}

OrderedJson TimeJson(const parsers::OptTime& t) {
  if (!t || !t->has_instant()) return nullptr;
  return t->ToIsoUtc();
}

OrderedJson RawTimeJson(const core::Timestamp& t) {
  return OrderedJson{{"raw", SanitizeUtf8(t.RawText())},
                     {"encoding", std::string(core::TimeEncodingName(t.encoding))}};
}

void RecordJsonVisitor::operator()(std::string_view name, const std::vector<parsers::Attachment>& v) {
  OrderedJson a = OrderedJson::array();
  for (const auto& at : v) {
    OrderedJson o;
    o["name"] = SanitizeUtf8(at.name);
    o["mime_type"] = at.mime_type ? OrderedJson(SanitizeUtf8(*at.mime_type)) : OrderedJson();
    o["path"] = at.path ? OrderedJson(SanitizeUtf8(*at.path)) : OrderedJson();
    o["backup_path"] = at.backup_path ? OrderedJson(SanitizeUtf8(*at.backup_path)) : OrderedJson();
    o["size"] = at.size ? OrderedJson(*at.size) : OrderedJson();
    a.push_back(std::move(o));
  }
  out_[std::string(name)] = a;
}

void RecordJsonVisitor::operator()(std::string_view name, const std::vector<parsers::EditVersion>& v) {
  OrderedJson a = OrderedJson::array();
  for (const auto& e : v) {
    OrderedJson o;
    o["part"] = e.part;
    o["time"] = TimeJson(e.time);
    o["time_raw"] = e.time ? OrderedJson(SanitizeUtf8(e.time->RawText())) : OrderedJson();
    o["text"] = e.text ? OrderedJson(SanitizeUtf8(*e.text)) : OrderedJson();
    a.push_back(std::move(o));
  }
  out_[std::string(name)] = a;
}

}  // namespace mfx::reports

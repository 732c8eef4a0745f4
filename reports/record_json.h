#pragma once
// A typed record as the JSON object of exports/<kind>.jsonl (CONTRACT.md "Records"):
//   kind, app, time, <the kind's fields in VisitFields order>, source, deleted, parser, raw_times
// Times are ISO 8601 UTC ('Z', sub-second precision kept down to µs); every timestamp's raw value
// and encoding are kept under raw_times.<field>. Text is valid UTF-8 (invalid bytes become U+FFFD).

#include <nlohmann/json.hpp>

#include "core/bytes.h"
#include "parsers/records.h"

namespace mfx::reports {

using OrderedJson = nlohmann::ordered_json;

OrderedJson SourceJson(const parsers::Provenance& p);
OrderedJson TimeJson(const parsers::OptTime& t);
OrderedJson RawTimeJson(const core::Timestamp& t);

class RecordJsonVisitor {
 public:
  explicit RecordJsonVisitor(OrderedJson& out, OrderedJson& raw) : out_(out), raw_(raw) {}
  void operator()(std::string_view name, const std::string& v) { out_[std::string(name)] = SanitizeUtf8(v); }
  void operator()(std::string_view name, const parsers::OptString& v) {
    out_[std::string(name)] = v ? OrderedJson(SanitizeUtf8(*v)) : OrderedJson();
  }
  void operator()(std::string_view name, int64_t v) { out_[std::string(name)] = v; }
  void operator()(std::string_view name, const std::optional<int64_t>& v) {
    out_[std::string(name)] = v ? OrderedJson(*v) : OrderedJson();
  }
  void operator()(std::string_view name, const std::optional<double>& v) {
    out_[std::string(name)] = v ? OrderedJson(*v) : OrderedJson();
  }
  void operator()(std::string_view name, bool v) { out_[std::string(name)] = v; }
  void operator()(std::string_view name, const std::optional<bool>& v) {
    out_[std::string(name)] = v ? OrderedJson(*v) : OrderedJson();
  }
  void operator()(std::string_view name, const parsers::OptTime& v) {
    out_[std::string(name)] = TimeJson(v);
    if (v) raw_[std::string(name)] = RawTimeJson(*v);
  }
  void operator()(std::string_view name, const std::vector<std::string>& v) {
    OrderedJson a = OrderedJson::array();
    for (const auto& s : v) a.push_back(SanitizeUtf8(s));
    out_[std::string(name)] = a;
  }
  void operator()(std::string_view name, const std::vector<parsers::Attachment>& v);
  // [{"part", "time" (ISO UTC or null), "time_raw" (the stored value), "text"}]
  void operator()(std::string_view name, const std::vector<parsers::EditVersion>& v);

 private:
  OrderedJson& out_;
  OrderedJson& raw_;
};

template <class R>
OrderedJson RecordToJson(const R& r) {
  OrderedJson out;
  OrderedJson raw = OrderedJson::object();
  out["kind"] = std::string(R::kKind);
  out["app"] = r.app;
  out["time"] = TimeJson(r.time);
  if (r.time) raw["time"] = RawTimeJson(*r.time);
  r.VisitFields(RecordJsonVisitor(out, raw));
  out["source"] = SourceJson(r.source);
  out["deleted"] = r.deleted;
  out["parser"] = r.parser;
  out["raw_times"] = raw;
  return out;
}

}  // namespace mfx::reports

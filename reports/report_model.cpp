#include "reports/report_model.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <map>
#include <set>

#include "core/file_util.h"
#include "mfx/version.h"
#include "reports/custody_host.h"
#include "reports/custody_log.h"

namespace mfx::reports {
namespace {

using json = nlohmann::json;
namespace fs = std::filesystem;

std::string Str(const json& j, const char* key) {
  if (!j.is_object()) return {};
  const auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

json StrOrNull(const json& j, const char* key) {
  const std::string s = Str(j, key);
  return s.empty() ? json() : json(s);
}

json ObjectOr(const json& j, const char* key) {
  if (!j.is_object()) return json::object();
  const auto it = j.find(key);
  return it != j.end() && it->is_object() ? *it : json::object();
}

Result<json> ReadJson(const fs::path& p, size_t max = size_t{64} << 20) {
  MFX_ASSIGN_OR_RETURN(std::string text, core::ReadTextFile(p, max));
  json j = json::parse(text, nullptr, false);
  if (j.is_discarded()) return Fail(ErrorCode::kCorrupt, p.string() + ": not JSON");
  return j;
}

std::string Number(double v) {
  char buf[64];
  const auto r = std::to_chars(buf, buf + sizeof(buf), v);
  return std::string(buf, r.ptr);
}

std::string JoinLines(const std::vector<std::string>& parts, const char* sep) {
  std::string out;
  for (const auto& p : parts) {
    if (p.empty()) continue;
    if (!out.empty()) out += sep;
    out += p;
  }
  return out;
}

// A JSON list column ("[\"+1555…\", …]") as strings; attachment objects become
// "name (mime) path".
std::vector<std::string> ListOf(const std::string& text) {
  std::vector<std::string> out;
  if (text.empty()) return out;
  const json j = json::parse(text, nullptr, false);
  if (!j.is_array()) return out;
  for (const json& e : j) {
    if (e.is_string()) {
      out.push_back(e.get<std::string>());
    } else if (e.is_object()) {
      std::string s = Str(e, "name");
      if (s.empty()) s = "(no name)";
      if (const std::string m = Str(e, "mime_type"); !m.empty()) s += " (" + m + ")";
      std::string where = Str(e, "backup_path");
      if (where.empty()) where = Str(e, "path");
      if (!where.empty()) s += " " + where;
      out.push_back(s);
    } else if (!e.is_null()) {
      out.push_back(e.dump());
    }
  }
  return out;
}

// "Mobile: +1555…" from parallel value/label lists.
std::vector<std::string> Labelled(const std::vector<std::string>& values,
                                  const std::vector<std::string>& labels) {
  std::vector<std::string> out;
  for (size_t i = 0; i < values.size(); ++i) {
    const std::string label = i < labels.size() ? labels[i] : std::string();
    out.push_back(label.empty() ? values[i] : label + ": " + values[i]);
  }
  return out;
}

}  // namespace

std::string KindTitle(std::string_view kind) {
  static const std::map<std::string, std::string, std::less<>> kTitles = {
      {"messages", "Messages"},
      {"contacts", "Contacts"},
      {"calls", "Calls"},
      {"web_history", "Web history"},
      {"bookmarks", "Bookmarks and reading list"},
      {"notes", "Notes"},
      {"calendar_events", "Calendar events"},
      {"photos", "Photos and videos"},
      {"wifi_networks", "Wi-Fi networks"},
      {"apps", "Installed apps"},
      {"accounts", "Accounts"},
      {"voicemails", "Voicemail"},
      {"device_info", "Device information (from the backup)"},
  };
  const auto it = kTitles.find(kind);
  if (it != kTitles.end()) return it->second;
  std::string t(kind);
  std::replace(t.begin(), t.end(), '_', ' ');
  if (!t.empty()) t[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(t[0])));
  return t;
}

json TableColumns(std::string_view kind, const std::string& zone_name) {
  static const std::map<std::string, std::string, std::less<>> kParties = {
      {"messages", "Direction, party, chat"}, {"contacts", "Name"},
      {"calls", "Party"},                     {"web_history", "Title"},
      {"bookmarks", "Title"},                 {"notes", "Title"},
      {"calendar_events", "Title"},           {"photos", "File name"},
      {"wifi_networks", "Network"},           {"apps", "App"},
      {"accounts", "Account"},                {"voicemails", "Party"},
      {"device_info", "Device"},
  };
  static const std::map<std::string, std::string, std::less<>> kContent = {
      {"messages", "Text and attachments"}, {"contacts", "Phones, e-mails, details"},
      {"calls", "Call"},                    {"web_history", "URL"},
      {"bookmarks", "URL"},                 {"notes", "Text"},
      {"calendar_events", "Details"},       {"photos", "Details"},
      {"wifi_networks", "Details"},         {"apps", "Details"},
      {"accounts", "Details"},              {"voicemails", "Details"},
      {"device_info", "Identity"},
  };
  const auto p = kParties.find(kind);
  const auto c = kContent.find(kind);
  return json::array({{{"name", "n"}, {"label", "#"}},
                      {{"name", "utc"}, {"label", "Time (UTC)"}},
                      {{"name", "local"}, {"label", "Time (" + zone_name + ")"}},
                      {{"name", "parties"}, {"label", p != kParties.end() ? p->second : "Item"}},
                      {{"name", "content"}, {"label", c != kContent.end() ? c->second : "Details"}},
                      {{"name", "source"}, {"label", "Source (file · table · row)"}},
                      {{"name", "status"}, {"label", "Status"}}});
}

// ---------------------------------------------------------------------------------------------
// ReportRowReader

Result<ReportRowReader> ReportRowReader::Open(const core::SqliteDb& db, const KindInfo& kind,
                                              const core::TimeZone& zone, int64_t limit,
                                              const std::string& where) {
  std::string sql = "SELECT * FROM \"" + kind.kind + "\"";
  if (!where.empty()) sql += " WHERE " + where;
  sql += " ORDER BY time_us IS NULL, time_us, parser, id";
  if (limit >= 0) sql += " LIMIT " + std::to_string(limit);
  MFX_ASSIGN_OR_RETURN(auto st, db.Prepare(sql));
  return ReportRowReader(kind, zone, std::move(st));
}

ReportRowReader::ReportRowReader(const KindInfo& kind, const core::TimeZone& zone,
                                 core::Statement st)
    : kind_(&kind), zone_(&zone), st_(std::move(st)) {
  for (int i = 0; i < st_.ColumnCount(); ++i) index_.emplace_back(st_.ColumnName(i), i);
  std::sort(index_.begin(), index_.end());
}

std::string ReportRowReader::Text(const char* column) const {
  const auto it = std::lower_bound(index_.begin(), index_.end(), std::string_view(column),
                                   [](const auto& a, std::string_view b) { return a.first < b; });
  if (it == index_.end() || it->first != column) return {};
  const int c = it->second;
  switch (st_.ColumnType(c)) {
    case SQLITE_NULL:
      return {};
    case SQLITE_INTEGER:
      return std::to_string(st_.Int(c));
    case SQLITE_FLOAT:
      return Number(st_.Real(c));
    default:
      return SanitizeUtf8(st_.Text(c));
  }
}

std::optional<double> ReportRowReader::Real(const char* column) const {
  const auto it = std::lower_bound(index_.begin(), index_.end(), std::string_view(column),
                                   [](const auto& a, std::string_view b) { return a.first < b; });
  if (it == index_.end() || it->first != column) return std::nullopt;
  return st_.OptReal(it->second);
}

std::optional<int64_t> ReportRowReader::Int(const char* column) const {
  const auto it = std::lower_bound(index_.begin(), index_.end(), std::string_view(column),
                                   [](const auto& a, std::string_view b) { return a.first < b; });
  if (it == index_.end() || it->first != column) return std::nullopt;
  if (st_.ColumnType(it->second) != SQLITE_INTEGER) return std::nullopt;
  return st_.Int(it->second);
}

// A secondary timestamp column for the content cell: local time when known, else the raw value.
std::string ReportRowReader::TimeCell(const char* column, bool local) const {
  const std::string us_col = std::string(column) + "_us";
  const auto us = Int(us_col.c_str());
  if (!us) return {};
  return local ? zone_->FormatLocal(*us) : Text(column);
}

void ReportRowReader::FormatKind(ReportRow& row) const {
  const std::string& k = kind_->kind;
  auto t = [&](const char* c) { return Text(c); };
  auto yes = [&](const char* c) { return Int(c).value_or(0) != 0; };
  auto also = [&](const char* label, const std::string& value) {
    return value.empty() ? std::string() : std::string(label) + ": " + value;
  };
  auto when = [&](const char* label, const char* column) {
    const std::string v = TimeCell(column, true);
    return v.empty() ? std::string() : std::string(label) + " " + v;
  };
  if (k == "messages") {
    row.direction = t("direction");
    row.chat = t("chat");
    row.chat_name = t("chat_name");
    const std::string party = t("party");
    const std::string chat_label = row.chat_name.empty() ? row.chat : row.chat_name;
    const bool group = !t("chat_participants").empty() && ListOf(t("chat_participants")).size() > 1;
    std::string p;
    bool named_chat = false;
    if (row.direction == "outgoing") {
      p = "To " + (party.empty() ? chat_label : party);
      named_chat = party.empty();
    } else if (row.direction == "incoming") {
      p = "From " + (party.empty() ? std::string("(unknown)") : party);
    } else {
      p = row.direction + " " + party;
    }
    if (!named_chat && !chat_label.empty() && chat_label != party &&
        (group || !party.empty())) {
      p += " in chat \u201C" + chat_label + "\u201D";
    }
    const std::string service = t("service");
    if (!service.empty()) p += " · " + service;
    row.parties = p;
    if (row.chat.empty()) row.chat = party;
    std::vector<std::string> c;
    c.push_back(t("text"));
    for (const auto& a : ListOf(t("attachments"))) c.push_back("Attachment: " + a);
    if (row.latitude && row.longitude) {
      c.push_back("Location: " + Number(*row.latitude) + ", " + Number(*row.longitude));
    }
    c.push_back(also("Reaction", t("reaction")));
    const std::string type = t("message_type");
    if (!type.empty() && type != "text") c.push_back("Type: " + type);
    c.push_back(when("Read", "read_time"));
    c.push_back(when("Edited", "edited_time"));
    c.push_back(when("Unsent", "retracted_time"));
    // Every version of an edited message, oldest first (iOS 16+ message_summary_info).
    if (const std::string h = t("edit_history"); !h.empty() && h != "[]") {
      const json history = json::parse(h, nullptr, false);
      if (history.is_array()) {
        for (const json& v : history) {
          c.push_back("Version sent " + (Str(v, "time").empty() ? std::string("(time unknown)") : Str(v, "time")) +
                      (v.value("part", 0) != 0 ? " (part " + std::to_string(v.value("part", 0)) + ")" : "") +
                      ": " + Str(v, "text"));
        }
      }
    }
    if (const auto parts = ListOf(t("unsent_parts")); !parts.empty()) {
      c.push_back("Unsent part(s): " + JoinLines(parts, ", "));
    }
    row.content = JoinLines(c, "\n");
  } else if (k == "contacts") {
    std::string name = t("display_name");
    if (name.empty()) {
      name = JoinLines({t("first_name"), t("middle_name"), t("last_name")}, " ");
    }
    const std::string org = t("organization");
    if (name.empty()) name = org;
    else if (!org.empty()) name += " (" + org + ")";
    row.parties = name;
    std::vector<std::string> c;
    for (const auto& s : Labelled(ListOf(t("phones")), ListOf(t("phone_labels")))) c.push_back(s);
    for (const auto& s : Labelled(ListOf(t("emails")), ListOf(t("email_labels")))) c.push_back(s);
    for (const auto& s : ListOf(t("im_ids"))) c.push_back("Messaging: " + s);
    for (const auto& s : Labelled(ListOf(t("addresses")), ListOf(t("address_labels")))) {
      c.push_back(s);
    }
    for (const auto& s : Labelled(ListOf(t("urls")), ListOf(t("url_labels")))) c.push_back(s);
    c.push_back(also("Nickname", t("nickname")));
    c.push_back(also("Job", JoinLines({t("job_title"), t("department")}, ", ")));
    c.push_back(also("Birthday", t("birthday")));
    c.push_back(also("Note", t("note")));
    c.push_back(when("Modified", "modified"));
    row.content = JoinLines(c, "\n");
  } else if (k == "calls") {
    std::string p = t("party");
    if (const std::string n = t("name"); !n.empty()) p = p.empty() ? n : p + " (" + n + ")";
    row.parties = p.empty() ? "(unknown)" : p;
    std::string c = t("direction") + " " + t("call_type") + " call";
    if (const auto a = Int("answered")) c += *a ? ", answered" : ", not answered";
    if (const auto d = Real("duration_s")) c += ", " + Number(*d) + " s";
    std::vector<std::string> lines{c};
    lines.push_back(also("Service", t("service")));
    lines.push_back(also("Location", t("location")));
    lines.push_back(when("Ended", "end_time"));
    row.content = JoinLines(lines, "\n");
  } else if (k == "web_history") {
    row.parties = t("title");
    std::vector<std::string> c{t("url")};
    if (const auto n = Int("visit_count")) c.push_back("Visits: " + std::to_string(*n));
    c.push_back(also("Profile", t("profile")));
    if (const auto ok = Int("load_successful"); ok && *ok == 0) c.push_back("Load failed");
    row.content = JoinLines(c, "\n");
  } else if (k == "bookmarks") {
    row.parties = t("title");
    row.content = JoinLines({t("url"), also("Type", t("bookmark_type")), also("Folder", t("folder")),
                             also("Preview", t("preview_text")), when("Viewed", "last_viewed")},
                            "\n");
  } else if (k == "notes") {
    row.parties = t("title");
    std::vector<std::string> c;
    if (yes("locked")) c.push_back("(locked note)" + std::string(t("password_hint").empty() ? "" : " hint: " + t("password_hint")));
    c.push_back(t("text"));
    c.push_back(also("Folder", t("folder")));
    c.push_back(also("Account", t("account")));
    for (const auto& a : ListOf(t("attachments"))) c.push_back("Attachment: " + a);
    if (yes("marked_for_deletion")) c.push_back("In Recently Deleted");
    c.push_back(when("Modified", "modified"));
    row.content = JoinLines(c, "\n");
  } else if (k == "calendar_events") {
    row.parties = t("title");
    std::vector<std::string> c;
    const bool floating = yes("floating");
    if (floating) {
      c.push_back("Ends " + t("end") + " (floating, as stored)");
    } else {
      c.push_back(when("Ends", "end"));
    }
    if (yes("all_day")) c.push_back("All day");
    c.push_back(also("Location", JoinLines({t("location"), t("location_address")}, ", ")));
    c.push_back(also("Calendar", JoinLines({t("calendar"), t("account")}, " · ")));
    c.push_back(also("Zone as stored", t("time_zone")));
    c.push_back(t("description"));
    row.content = JoinLines(c, "\n");
  } else if (k == "photos") {
    row.parties = t("filename");
    std::vector<std::string> c;
    c.push_back(JoinLines({t("media_type"), t("directory")}, " · "));
    if (row.latitude && row.longitude) {
      c.push_back("Location: " + Number(*row.latitude) + ", " + Number(*row.longitude));
    }
    c.push_back(also("Original name", t("original_filename")));
    const auto albums = ListOf(t("albums"));
    if (!albums.empty()) c.push_back("Albums: " + JoinLines(albums, "; "));
    std::vector<std::string> flags;
    if (yes("hidden")) flags.push_back("hidden");
    if (yes("favorite")) flags.push_back("favourite");
    if (yes("trashed")) flags.push_back("in Recently Deleted");
    if (!flags.empty()) c.push_back(JoinLines(flags, ", "));
    c.push_back(when("Trashed", "trashed_time"));
    if (const auto off = Int("timezone_offset_s")) {
      c.push_back("Device offset as stored: " + core::FormatOffset(static_cast<int32_t>(*off)) +
                  (t("timezone_name").empty() ? "" : " (" + t("timezone_name") + ")"));
    }
    c.push_back(also("Created by", t("creator_bundle_id")));
    c.push_back(also("In backup", t("backup_path")));
    row.content = JoinLines(c, "\n");
  } else if (k == "wifi_networks") {
    row.parties = t("ssid");
    row.content = JoinLines({also("BSSID", t("bssid")), also("Security", t("security")),
                             when("Added", "added"), when("Joined by user", "joined_by_user"),
                             when("Joined by system", "joined_by_system")},
                            "\n");
  } else if (k == "apps") {
    row.parties = t("name").empty() ? t("bundle_id") : t("name") + " (" + t("bundle_id") + ")";
    row.content = JoinLines({also("Version", t("version")), also("Vendor", t("vendor")),
                             also("Apple ID", t("apple_id")), when("Installed", "installed"),
                             when("Purchased", "purchased")},
                            "\n");
  } else if (k == "accounts") {
    row.parties = t("username").empty() ? t("description") : t("username");
    row.content = JoinLines({also("Type", t("account_type")), also("Description", t("description")),
                             also("Identifier", t("identifier")),
                             also("Owner app", t("owning_bundle_id"))},
                            "\n");
  } else if (k == "voicemails") {
    row.parties = t("party").empty() ? "(unknown)" : t("party");
    std::vector<std::string> c;
    if (const auto d = Real("duration_s")) c.push_back(Number(*d) + " s");
    c.push_back(also("Callback", t("callback_number")));
    c.push_back(also("Label", t("label")));
    c.push_back(when("Trashed", "trashed_time"));
    c.push_back(also("Audio in backup", t("backup_path")));
    row.content = JoinLines(c, "\n");
  } else if (k == "device_info") {
    row.parties = t("device_name");
    row.content = JoinLines(
        {also("Model", JoinLines({t("product_name"), t("product_type")}, " · ")),
         also("iOS", JoinLines({t("ios_version"), t("build_version")}, " ")),
         also("Serial", t("serial_number")), also("UDID", t("udid")), also("IMEI", t("imei")),
         also("IMEI 2", t("imei2")), also("MEID", t("meid")), also("ICCID", t("iccid")),
         also("Phone number", t("phone_number"))},
        "\n");
  } else {
    // A kind this formatter does not know yet: every field as "name: value".
    std::vector<std::string> c;
    for (const FieldColumn& f : kind_->fields) c.push_back(also(f.name.c_str(), t(f.name.c_str())));
    row.content = JoinLines(c, "\n");
  }
}

Result<bool> ReportRowReader::Next(ReportRow& row) {
  MFX_ASSIGN_OR_RETURN(bool have, st_.Step());
  if (!have) return false;
  row = ReportRow();
  row.id = Int("id").value_or(0);
  row.time_us = Int("time_us");
  row.utc = Text("time");
  row.app = Text("app");
  if (row.time_us) {
    const bool floating = kind_->kind == "calendar_events" && Int("floating").value_or(0) != 0;
    if (floating) {
      // Wall-clock time stored as if UTC: shown as stored, never shifted (CUSTODY.md §6).
      std::string wall = row.utc;
      if (wall.size() >= 19) wall = wall.substr(0, 10) + " " + wall.substr(11, 8);
      row.local = wall + " (floating)";
    } else {
      row.local = zone_->FormatLocal(*row.time_us);
    }
  }
  row.latitude = Real("latitude");
  row.longitude = Real("longitude");
  std::string domain = Text("src_domain");
  std::string path = Text("src_path");
  row.source_file = domain.empty() ? path : (path.empty() ? domain : domain + "/" + path);
  row.source_table = Text("src_table");
  row.source_rowid = Text("src_rowid");
  std::string src = row.source_file;
  if (!row.source_table.empty()) src += " · " + row.source_table;
  if (!row.source_rowid.empty()) {
    src += row.source_table.empty() ? " · key " + row.source_rowid : " · row " + row.source_rowid;
  }
  if (const std::string chain = Text("src_decode_chain"); !chain.empty()) src += " · " + chain;
  row.source = src;
  row.deleted = Int("deleted").value_or(0) != 0;
  row.status = row.deleted ? "deleted (recovered)" : "intact";
  FormatKind(row);
  return true;
}

// ---------------------------------------------------------------------------------------------
// ReportOutput

namespace {
constexpr size_t kChunk = size_t{1} << 20;
constexpr size_t kOverlap = 4096;  // longer than any password or key a guard holds
}  // namespace

Result<ReportOutput> ReportOutput::Create(const ReportContext& ctx, std::string relative) {
  const fs::path final_path = ctx.folder.Path(relative);
  std::error_code ec;
  fs::create_directories(final_path.parent_path(), ec);
  if (ec) return Fail(ErrorCode::kIo, final_path.parent_path().string() + ": " + ec.message());
  const fs::path tmp = final_path.string() + ".tmp-mfx";
  std::FILE* f = std::fopen(tmp.c_str(), "wb");
  if (f == nullptr) return Fail(ErrorCode::kIo, tmp.string() + ": " + std::strerror(errno));
  const SecretGuard* guard = ctx.folder.secret_guard().empty() ? nullptr : &ctx.folder.secret_guard();
  return ReportOutput(guard, final_path, tmp, std::move(relative), f);
}

ReportOutput::ReportOutput(const SecretGuard* guard, fs::path final_path, fs::path tmp_path,
                           std::string relative, std::FILE* f)
    : guard_(guard),
      final_path_(std::move(final_path)),
      tmp_path_(std::move(tmp_path)),
      relative_(std::move(relative)),
      f_(f) {
  buffer_.reserve(kChunk + 4096);
}

ReportOutput::ReportOutput(ReportOutput&& o) noexcept
    : guard_(o.guard_),
      final_path_(std::move(o.final_path_)),
      tmp_path_(std::move(o.tmp_path_)),
      relative_(std::move(o.relative_)),
      f_(std::exchange(o.f_, nullptr)),
      buffer_(std::move(o.buffer_)),
      overlap_(std::move(o.overlap_)),
      error_(std::move(o.error_)),
      failed_(o.failed_),
      closed_(std::exchange(o.closed_, true)) {}

ReportOutput::~ReportOutput() {
  if (f_ != nullptr) std::fclose(f_);
  if (!closed_) {
    std::error_code ec;
    fs::remove(tmp_path_, ec);
  }
}

Status ReportOutput::FlushChunk() {
  if (buffer_.empty()) return {};
  if (guard_ != nullptr) {
    const std::string window = overlap_ + buffer_;
    MFX_RETURN_IF_ERROR(guard_->Check(window, relative_));
    overlap_ = window.size() > kOverlap ? window.substr(window.size() - kOverlap) : window;
  }
  if (std::fwrite(buffer_.data(), 1, buffer_.size(), f_) != buffer_.size()) {
    return Fail(ErrorCode::kIo, tmp_path_.string() + ": write failed: " + std::strerror(errno));
  }
  buffer_.clear();
  return {};
}

void ReportOutput::Write(std::string_view text) {
  if (failed_ || closed_) return;
  buffer_.append(text);
  if (buffer_.size() >= kChunk) {
    if (auto s = FlushChunk(); !s) {
      failed_ = true;
      error_ = s.error();
    }
  }
}

Result<std::string> ReportOutput::Close() {
  if (closed_) return Fail(ErrorCode::kInternal, relative_ + ": closed twice");
  if (!failed_) {
    if (auto s = FlushChunk(); !s) {
      failed_ = true;
      error_ = s.error();
    }
  }
  if (!failed_ && (std::fflush(f_) != 0 || ::fsync(::fileno(f_)) != 0)) {
    failed_ = true;
    error_ = Error{ErrorCode::kIo, tmp_path_.string() + ": " + std::strerror(errno)};
  }
  std::fclose(std::exchange(f_, nullptr));
  if (failed_) return tl::unexpected(error_);
  std::error_code ec;
  fs::rename(tmp_path_, final_path_, ec);
  if (ec) return Fail(ErrorCode::kIo, final_path_.string() + ": " + ec.message());
  closed_ = true;
  return relative_;
}

// ---------------------------------------------------------------------------------------------
// The model

namespace {

const std::set<std::string>& AcquisitionEvents() {
  static const std::set<std::string> k = {
      "acquisition_started", "acquisition_completed", "acquisition_interrupted",
      "acquisition_failed", "pairing", "temp_password_set", "temp_password_removed",
      "temp_password_removal_failed", "device_identified"};
  return k;
}

const std::set<std::string>& VerificationEvents() {
  static const std::set<std::string> k = {"hash_verified", "hash_mismatch", "verified",
                                          "verification_failed"};
  return k;
}

std::string Count(const json& v) {
  if (v.is_number_integer()) return std::to_string(v.get<int64_t>());
  if (v.is_number()) return Number(v.get<double>());
  if (v.is_string()) return v.get<std::string>();
  return v.dump();
}

// One line per custody event for the appendix: what happened, in words.
std::string CustodySummary(const json& e) {
  const std::string ev = Str(e, "event");
  const json d = ObjectOr(e, "detail");
  const std::string exhibit = Str(e, "evidence_id");
  std::vector<std::string> parts;
  auto add = [&](const std::string& s) {
    if (!s.empty()) parts.push_back(s);
  };
  if (ev == "case_created") {
    add("case " + Str(d, "case_number") + " opened");
    add(Str(ObjectOr(d, "host"), "name").empty() ? "" : "on host " + Str(ObjectOr(d, "host"), "name"));
    add(Str(d, "tzdata").empty() ? "" : "tzdata " + Str(d, "tzdata"));
  } else if (ev == "evidence_registered") {
    add(exhibit + " " + Str(d, "kind") + " from " + Str(d, "location"));
    if (d.contains("files")) add(Count(d["files"]) + " files, " + Count(d.value("bytes", json(0))) + " bytes");
    for (const json& h : e.value("hashes", json::array())) {
      add(Str(h, "of") + " SHA-256 " + Str(h, "value"));
    }
  } else if (VerificationEvents().count(ev)) {
    add(exhibit);
    add(Str(d, "what"));
    add(Str(d, "result"));
    if (d.contains("files_checked")) add(Count(d["files_checked"]) + " files checked");
  } else if (ev == "working_copy") {
    const std::string input = Str(d, "input");
    add(Str(d, "parser") + ": " + input);
    for (const json& h : e.value("hashes", json::array())) {
      add((Str(h, "of") == input ? std::string() : Str(h, "of") + " ") + "SHA-256 " + Str(h, "value"));
    }
  } else if (ev == "parsed") {
    int64_t n = 0;
    for (const json& p : d.value("parsers", json::array())) {
      const json counts = ObjectOr(p, "counts");
      for (const auto& [k, v] : counts.items()) {
        if (v.is_number_integer()) n += v.get<int64_t>();
      }
    }
    add(std::to_string(d.value("parsers", json::array()).size()) + " parsers, " +
        std::to_string(n) + " records");
    for (const json& h : e.value("hashes", json::array())) {
      add(Str(h, "of") + " SHA-256 " + Str(h, "value"));
    }
  } else if (ev == "decryption_opened") {
    add(exhibit + ": encrypted backup opened");
    if (d.contains("classes_not_recoverable") && d["classes_not_recoverable"].is_array() &&
        !d["classes_not_recoverable"].empty()) {
      add("classes not recoverable: " + d["classes_not_recoverable"].dump());
    }
  } else if (ev == "report_generated") {
    add("report " + Str(d, "report_id") + " r" + Count(d.value("revision", json(1))));
    add(std::to_string(d.value("outputs", json::array()).size()) + " outputs");
  } else if (ev == "report_signed" || ev == "sealed_unsigned") {
    for (const auto& [k, v] : d.items()) {
      if (v.is_string() || v.is_number()) add(k + " " + Count(v));
    }
  } else if (ev == "consent_recorded" || ev == "consent_withdrawn") {
    add("consent " + Str(e, "authority_ref"));
    for (const json& h : e.value("hashes", json::array())) {
      add(Str(h, "of") + " SHA-256 " + Str(h, "value"));
    }
  } else {
    if (!exhibit.empty()) add(exhibit);
    for (const auto& [k, v] : d.items()) {
      if (v.is_string() || v.is_number() || v.is_boolean()) add(k + " " + Count(v));
      if (parts.size() >= 8) break;
    }
  }
  return JoinLines(parts, "; ");
}

json EventRef(const json& e) {
  return {{"seq", e.value("seq", json(-1))},
          {"time", Str(e, "time")},
          {"event", Str(e, "event")},
          {"evidence_id", StrOrNull(e, "evidence_id")},
          {"detail", e.value("detail", json::object())}};
}

std::string TimezoneStatement(const ReportContext& ctx) {
  const std::string tzdata = core::TimeZone::TzdataVersion();
  std::string s =
      "All record times are stored in UTC, to the precision of the source, together with the raw "
      "value and its encoding as read from the device database. This report shows each time in "
      "UTC (suffix Z) and in the display zone " +
      ctx.zone.name() +
      " with the UTC offset that applied at that moment (for example +01:00)";
  s += tzdata.empty() ? " (tzdata version unknown)." : ", computed with tzdata " + tzdata + ".";
  s +=
      " Floating calendar events (all-day and wall-clock events stored without a zone) are shown "
      "as stored, marked \"floating\", and are not converted. Values the device kept in its own "
      "local terms (a photo's time-zone offset, a calendar event's zone name) are reported as "
      "stored and are not shifted. Custody times are the examiner host's clock (UTC), with the "
      "host's offset recorded in each custody event.";
  return s;
}

}  // namespace

Result<json> BuildReportModel(const ReportContext& ctx, const ReportModelOptions& options) {
  const CaseFolder& folder = ctx.folder;
  MFX_ASSIGN_OR_RETURN(auto db, core::SqliteDb::OpenReadOnly(ctx.case_db, "case database"));
  json model = json::object();
  model["schema"] = kReportSchema;
  model["report_id"] = ctx.report_id;
  model["revision"] = ctx.revision;
  model["generated"] = HostNow().utc;
  model["display_zone"] = ctx.zone.name();
  const std::string tzdata = core::TimeZone::TzdataVersion();
  model["tzdata"] = tzdata.empty() ? json() : json(tzdata);
  model["tool"] = {{"name", "mfx"}, {"version", kVersion}, {"build", kGitSha}};

  // case.json as it is on disk (the folder's in-memory copy may be newer only by `updated`).
  json case_json = folder.case_json();
  if (auto on_disk = ReadJson(folder.Path(kCaseJson)); on_disk && on_disk->is_object()) {
    case_json = *on_disk;
  }
  const json examiner = ObjectOr(case_json, "examiner");
  const json agency = ObjectOr(case_json, "agency");
  model["case"] = {{"case_number", Str(case_json, "case_number")},
                   {"examiner", StrOrNull(examiner, "name")},
                   {"examiner_id", StrOrNull(examiner, "id")},
                   {"examiner_role", StrOrNull(examiner, "role")},
                   {"agency", StrOrNull(agency, "name")},
                   {"agency_address", StrOrNull(agency, "address")},
                   {"requestor", StrOrNull(case_json, "requestor")},
                   {"description", StrOrNull(case_json, "description")},
                   {"location", StrOrNull(case_json, "location")},
                   {"created", StrOrNull(case_json, "created")}};

  std::vector<std::string> limitations;

  // Authority.
  json consents = json::array();
  bool any_valid_consent = false;
  for (const json& c : case_json.value("consent", json::array())) {
    const std::string id = Str(c, "id");
    const std::string record_path = Str(c, "record");
    json summary = json::object();
    bool matches = false;
    if (!record_path.empty()) {
      if (auto text = core::ReadTextFile(folder.Path(record_path), size_t{16} << 20)) {
        matches = core::Sha256Hex(AsBytes(*text)) == Str(c, "record_sha256");
        json rec = json::parse(*text, nullptr, false);
        if (rec.is_object()) summary = SanitizeJsonStrings(rec);
      }
    }
    if (!matches) {
      limitations.push_back("The consent record " + record_path +
                            " does not match the SHA-256 stated in case.json, or is missing.");
    }
    const bool withdrawn = c.value("withdrawn", false);
    any_valid_consent |= !withdrawn;
    consents.push_back({{"id", id},
                        {"record_path", record_path},
                        {"record_sha256", StrOrNull(c, "record_sha256")},
                        {"record_sha256_matches", matches},
                        {"form_path", StrOrNull(c, "form")},
                        {"form_sha256", StrOrNull(c, "form_sha256")},
                        {"withdrawn", withdrawn},
                        {"summary", summary}});
  }
  model["authority"] = {{"basis", consents.empty() ? "none recorded" : "consent"},
                        {"consents", consents}};
  if (consents.empty()) {
    limitations.push_back(
        "No consent or other authorization was recorded in this case; the authority for the "
        "examination is outside this report.");
  } else if (!any_valid_consent) {
    limitations.push_back("Every consent recorded in this case has been withdrawn.");
  }

  // Evidence.
  json evidence = json::array();
  json exhibits = json::array();
  for (const EvidenceItem& e : folder.evidence()) {
    json ev = EvidenceItemToJson(e);
    json ej = json::object();
    if (auto j = ReadJson(folder.Path(std::string(kEvidenceDir) + "/" + e.id + ".json"))) ej = *j;
    ev["device"] = ObjectOr(ej, "identity");
    json backup = ObjectOr(ej, "backup");
    if (backup.empty()) backup = ObjectOr(ej, "acquisition");
    ev["backup"] = backup;
    ev["encryption"] = ObjectOr(ej, "encryption");
    ev["not_hashed"] = ej.value("not_hashed", json::array());
    ev["custody_before_registration"] = StrOrNull(ej, "custody_before_registration");
    ev["host"] = StrOrNull(ej, "host");
    evidence.push_back(ev);
    exhibits.push_back({{"id", e.id}, {"hash_list", e.hash_list}, {"hash_list_sha256", e.hash_list_sha256}});
    if (e.kind == "ingested") {
      limitations.push_back(
          "Exhibit " + e.id +
          " is a backup folder made before it was registered in this case; who made it, when and "
          "how, and its custody before registration, are outside mfx's knowledge. Its files were "
          "hashed at registration (" + e.registered + ").");
    }
    if (!ev["not_hashed"].empty()) {
      limitations.push_back("Exhibit " + e.id + ": " + std::to_string(ev["not_hashed"].size()) +
                            " symbolic links or special files in the backup folder were not "
                            "followed or hashed (listed under evidence).");
    }
    const json enc = ev["encryption"];
    const bool still_encrypted = enc.value("manifest_encrypted", false) || enc.value("files_encrypted", false);
    if (still_encrypted && !enc.value("unlocked", true)) {
      limitations.push_back("Exhibit " + e.id + " is encrypted and was not unlocked: its encrypted content was "
                            "not read.");
    } else if (enc.value("was_encrypted", false) && !still_encrypted) {
      limitations.push_back("Exhibit " + e.id + " was made as an encrypted backup but its files are plaintext "
                            "now: it was decrypted before it reached mfx, by a tool and person outside mfx's "
                            "knowledge, and was read as it is.");
    }
  }
  model["evidence"] = evidence;

  // Custody log (read and verified here; verify repeats the check independently).
  json acquisition = json::array();
  json registration = json::array();
  json verifications = json::array();
  json custody = json::array();
  json head = {{"seq", -1}, {"sha256", std::string(kZeroSha256)}, {"lines", 0}};
  bool chain_ok = false;
  if (auto chain = VerifyCustodyChain(folder.Path(kCustodyFileName))) {
    chain_ok = chain->findings.empty() && !chain->torn_tail;
    if (!chain_ok) {
      limitations.push_back("The custody log does not verify (" +
                            std::to_string(chain->findings.size()) +
                            " findings); run mfx verify on this case.");
    }
    for (const CustodyEntry& ce : chain->entries) {
      const json& e = ce.value;
      if (!e.is_object()) continue;
      const std::string ev = ce.event;
      if (AcquisitionEvents().count(ev)) acquisition.push_back(EventRef(e));
      if (ev == "evidence_registered") registration.push_back(EventRef(e));
      if (VerificationEvents().count(ev)) {
        const json d = ObjectOr(e, "detail");
        verifications.push_back({{"seq", ce.seq},
                                 {"time", Str(e, "time")},
                                 {"event", ev},
                                 {"evidence_id", StrOrNull(e, "evidence_id")},
                                 {"what", StrOrNull(d, "what")},
                                 {"result", StrOrNull(d, "result")},
                                 {"files_checked", d.value("files_checked", json())},
                                 {"detail", d}});
      }
      const json actor = ObjectOr(e, "actor");
      custody.push_back({{"seq", ce.seq},
                         {"time", Str(e, "time")},
                         {"event", ev},
                         {"actor", StrOrNull(actor, "name")},
                         {"evidence_id", StrOrNull(e, "evidence_id")},
                         {"summary", CustodySummary(e)},
                         {"entry_sha256", ce.entry_sha256}});
      head = {{"seq", ce.seq}, {"sha256", ce.entry_sha256}, {"lines", ce.seq + 1}};
    }
  } else {
    limitations.push_back("The custody log could not be read: " + chain.error().message);
  }
  model["acquisition"] = acquisition;
  model["registration"] = registration;

  MFX_ASSIGN_OR_RETURN(std::string db_sha, core::HashFileHex(ctx.case_db));
  std::error_code ec;
  const auto db_bytes = fs::file_size(ctx.case_db, ec);
  model["integrity"] = {{"case_db", {{"path", "artifacts.sqlite"}, {"sha256", db_sha}, {"bytes", ec ? 0 : db_bytes}}},
                        {"custody_head", head},
                        {"custody_chain_ok", chain_ok},
                        {"exhibits", exhibits},
                        {"verifications", verifications}};
  for (const json& v : verifications) {
    if (v["event"] == "hash_mismatch" || v["event"] == "verification_failed") {
      limitations.push_back("Custody event " + Count(v["seq"]) + " (" + v["event"].get<std::string>() +
                            ") records a failed integrity check; see Integrity.");
    }
  }

  // Processing.
  json parsers = json::array();
  {
    MFX_ASSIGN_OR_RETURN(auto st, db->Prepare(
                                      "SELECT parser, version, status, seconds, counts, error FROM runs "
                                      "ORDER BY parser"));
    MFX_ASSIGN_OR_RETURN(auto in_st, db->Prepare(
                                         "SELECT path, sha256, size FROM run_inputs WHERE parser = ? "
                                         "ORDER BY rowid"));
    MFX_ASSIGN_OR_RETURN(auto issue_st, db->Prepare(
                                            "SELECT kind, input, table_name, rowid, message FROM issues "
                                            "WHERE parser = ? ORDER BY rowid"));
    constexpr size_t kMaxIssues = 500;
    for (;;) {
      MFX_ASSIGN_OR_RETURN(bool row, st.Step());
      if (!row) break;
      const std::string name = SanitizeUtf8(st.Text(0));
      json counts = json::parse(st.Text(4), nullptr, false);
      if (!counts.is_object()) counts = json::object();
      json inputs = json::array();
      MFX_RETURN_IF_ERROR(in_st.Reset());
      in_st.Bind(1, name);
      for (;;) {
        MFX_ASSIGN_OR_RETURN(bool r, in_st.Step());
        if (!r) break;
        inputs.push_back({{"path", SanitizeUtf8(in_st.Text(0))},
                          {"sha256", SanitizeUtf8(in_st.Text(1))},
                          {"size", in_st.Int(2)}});
      }
      json issues = json::array();
      int64_t issues_total = 0;
      MFX_RETURN_IF_ERROR(issue_st.Reset());
      issue_st.Bind(1, name);
      for (;;) {
        MFX_ASSIGN_OR_RETURN(bool r, issue_st.Step());
        if (!r) break;
        ++issues_total;
        if (issues.size() >= kMaxIssues) continue;
        issues.push_back({{"kind", SanitizeUtf8(issue_st.Text(0))},
                          {"input", SanitizeUtf8(issue_st.Text(1))},
                          {"table", SanitizeUtf8(issue_st.Text(2))},
                          {"rowid", SanitizeUtf8(issue_st.Text(3))},
                          {"message", SanitizeUtf8(issue_st.Text(4))}});
      }
      const std::string status = SanitizeUtf8(st.Text(2));
      const std::string error = SanitizeUtf8(st.Text(5));
      parsers.push_back({{"name", name},
                         {"version", SanitizeUtf8(st.Text(1))},
                         {"status", status},
                         {"seconds", st.Real(3)},
                         {"counts", counts},
                         {"inputs", inputs},
                         {"issues", issues},
                         {"issues_total", issues_total},
                         {"error", error.empty() ? json() : json(error)}});
      if (status == "failed" || status == "unsupported" || status == "partial") {
        limitations.push_back("Parser " + name + " ended with status \"" + status + "\"" +
                              (error.empty() ? "" : ": " + error) +
                              "; its records may be missing or incomplete.");
      }
      if (static_cast<size_t>(issues_total) > issues.size()) {
        limitations.push_back("Parser " + name + " reported " + std::to_string(issues_total) +
                              " issues; the first " + std::to_string(issues.size()) +
                              " are listed here, all are in the case database (table issues).");
      }
    }
  }
  json case_info = json::object();
  {
    MFX_ASSIGN_OR_RETURN(auto st, db->Prepare("SELECT key, value FROM case_info ORDER BY key"));
    for (;;) {
      MFX_ASSIGN_OR_RETURN(bool row, st.Step());
      if (!row) break;
      case_info[SanitizeUtf8(st.Text(0))] = SanitizeUtf8(st.Text(1));
    }
  }
  // Backup facts the analysis recorded (missing payloads, encryption classes) state limits too.
  if (case_info.contains("backup")) {
    const json b = json::parse(case_info["backup"].get<std::string>(), nullptr, false);
    if (b.is_object()) {
      if (b.value("missing_payloads", 0) > 0) {
        limitations.push_back(std::to_string(b.value("missing_payloads", 0)) +
                              " files listed in the backup manifest have no payload in the backup "
                              "folder; their contents were not examined.");
      }
      if (b.contains("classes_not_recoverable") && b["classes_not_recoverable"].is_array() &&
          !b["classes_not_recoverable"].empty()) {
        limitations.push_back("Protection classes not recoverable from the keybag: " +
                              b["classes_not_recoverable"].dump() +
                              "; files of those classes could not be decrypted.");
      }
    }
  }
  json info_plain = json::object();
  for (const auto& [k, v] : case_info.items()) {
    if (k != "device" && k != "backup") info_plain[k] = v;
  }
  model["processing"] = {{"parsers", parsers},
                         {"timezone_statement", TimezoneStatement(ctx)},
                         {"case_info", info_plain}};

  // Findings and tables.
  json counts = json::object();
  json deleted = json::object();
  int64_t total = 0;
  json tables = json::array();
  for (const KindInfo& k : AllKinds()) {
    MFX_ASSIGN_OR_RETURN(int64_t n, db->QueryInt("SELECT count(*) FROM \"" + k.kind + "\""));
    if (n == 0) continue;
    MFX_ASSIGN_OR_RETURN(int64_t nd,
                         db->QueryInt("SELECT count(*) FROM \"" + k.kind + "\" WHERE deleted != 0"));
    counts[k.kind] = n;
    if (nd > 0) deleted[k.kind] = nd;
    total += n;
    const int64_t cap = std::max<int64_t>(options.table_cap, 0);
    json rows = json::array();
    MFX_ASSIGN_OR_RETURN(auto reader, ReportRowReader::Open(*db, k, ctx.zone, cap));
    ReportRow r;
    for (;;) {
      MFX_ASSIGN_OR_RETURN(bool have, reader.Next(r));
      if (!have) break;
      rows.push_back(json::array({std::to_string(r.id), r.utc, r.local, r.parties, r.content,
                                  r.source, r.status}));
    }
    const std::string export_rel = "exports/" + k.kind + ".csv";
    json export_path, export_sha;
    if (fs::exists(folder.Path(export_rel), ec)) {
      MFX_ASSIGN_OR_RETURN(std::string sha, core::HashFileHex(folder.Path(export_rel)));
      export_path = export_rel;
      export_sha = sha;
    }
    const int64_t shown = static_cast<int64_t>(rows.size());
    json note;
    if (shown < n) {
      std::string s = std::to_string(shown) + " of " + std::to_string(n) + " shown; ";
      if (export_path.is_string()) {
        s += "full list " + export_rel + ", SHA-256 " + export_sha.get<std::string>();
      } else {
        s += "the full list is in the case database (artifacts.sqlite, table " + k.kind +
             "); the CSV export was not written in this revision";
      }
      note = s;
    }
    tables.push_back({{"kind", k.kind},
                      {"title", KindTitle(k.kind)},
                      {"columns", TableColumns(k.kind, ctx.zone.name())},
                      {"total", n},
                      {"shown", shown},
                      {"cap", cap},
                      {"rows", rows},
                      {"export", export_path},
                      {"export_sha256", export_sha},
                      {"note", note}});
    if (nd > 0) {
      limitations.push_back(KindTitle(k.kind) + ": " + std::to_string(nd) +
                            " records were recovered from deleted database content (free pages, "
                            "WAL frames or journals); they may be incomplete or superseded.");
    }
  }
  model["findings"] = {{"counts", counts}, {"deleted", deleted}, {"total", total}};
  model["tables"] = tables;

  limitations.insert(
      limitations.begin(),
      {"This examination is of a logical (iTunes/Finder-style) backup. Data an iOS backup does not "
       "contain — among others app data excluded from backups, most keychain items of unencrypted "
       "backups, data held only in iCloud, and unallocated flash storage — was not examined.",
       "The results relate only to the exhibits listed in this report, as examined by the tool "
       "and parsers listed under Processing. The absence of a record does not show that it never "
       "existed on the device.",
       "Record contents are reported as stored in the device databases. Interpretation (who used "
       "the device, what a record means) is outside this report unless stated as an opinion."});
  model["limitations"] = limitations;
  model["custody"] = custody;
  return model;
}

Result<std::string> WriteReportModel(const ReportContext& ctx, const json& model) {
  std::string text;
  try {
    text = model.dump(2) + "\n";
  } catch (const json::exception& e) {
    return Fail(ErrorCode::kInternal, std::string(kReportJsonPath) + ": " + e.what());
  }
  MFX_ASSIGN_OR_RETURN(auto out, ReportOutput::Create(ctx, kReportJsonPath));
  out.Write(text);
  return out.Close();
}

Result<json> ReportModelForRevision(const ReportContext& ctx, bool write, bool* wrote) {
  if (wrote != nullptr) *wrote = false;
  const fs::path path = ctx.folder.Path(kReportJsonPath);
  std::error_code ec;
  if (fs::exists(path, ec)) {
    if (auto existing = ReadJson(path, size_t{1} << 30); existing && existing->is_object()) {
      const json& m = *existing;
      auto db_sha = core::HashFileHex(ctx.case_db);
      const json integrity = ObjectOr(m, "integrity");
      if (Str(m, "schema") == kReportSchema && Str(m, "report_id") == ctx.report_id &&
          m.value("revision", -1) == ctx.revision && Str(m, "display_zone") == ctx.zone.name() &&
          db_sha && Str(ObjectOr(integrity, "case_db"), "sha256") == *db_sha) {
        return m;
      }
    }
  }
  MFX_ASSIGN_OR_RETURN(json model, BuildReportModel(ctx));
  if (write) {
    MFX_RETURN_IF_ERROR(WriteReportModel(ctx, model));
    if (wrote != nullptr) *wrote = true;
  }
  return model;
}

void CheckReportModelConsistency(const fs::path& root, std::vector<Finding>& findings) {
  const std::string rel = kReportJsonPath;
  std::error_code ec;
  if (!fs::exists(root / rel, ec)) return;
  auto structure = [&](std::string code, std::string path, std::string message) {
    findings.push_back({std::move(code), FindingClass::kStructure, std::move(path), {}, "", "", std::move(message)});
  };
  auto integrity = [&](std::string code, std::string path, std::string expected, std::string actual,
                       std::string message, std::optional<int64_t> seq = {}) {
    findings.push_back({std::move(code), FindingClass::kIntegrity, std::move(path), seq, std::move(expected),
                        std::move(actual), std::move(message)});
  };
  auto parsed = ReadJson(root / rel, size_t{1} << 30);
  if (!parsed || !parsed->is_object()) {
    structure("report_json_unreadable", rel, "report/report.json cannot be read as JSON; its consistency is unchecked");
    return;
  }
  const json& m = *parsed;
  if (Str(m, "schema") != kReportSchema) {
    structure("report_json_schema", rel, "report/report.json has schema \"" + Str(m, "schema") + "\", not " + kReportSchema);
    return;
  }
  const json integ = ObjectOr(m, "integrity");
  // Case database.
  const std::string stated_db = Str(ObjectOr(integ, "case_db"), "sha256");
  auto db_sha = core::HashFileHex(root / "artifacts.sqlite");
  if (!db_sha) {
    structure("report_db_unreadable", "artifacts.sqlite", "the case database cannot be read: " + db_sha.error().message);
  } else if (*db_sha != stated_db) {
    integrity("report_db_hash", rel, stated_db, *db_sha,
              "report.json states another SHA-256 for artifacts.sqlite than the file has");
  }
  // Exhibits: the hash-list files and case.json.
  json case_json = json::object();
  if (auto cj = ReadJson(root / kCaseJson)) case_json = *cj;
  for (const json& e : integ.value("exhibits", json::array())) {
    const std::string id = Str(e, "id"), list = Str(e, "hash_list"), stated = Str(e, "hash_list_sha256");
    if (list.empty() || list.find("..") != std::string::npos || list.front() == '/') {
      structure("report_exhibit_unreadable", rel, "exhibit " + id + ": no usable hash-list path in report.json");
      continue;
    }
    auto actual = core::HashFileHex(root / list);
    if (!actual) {
      structure("report_exhibit_unreadable", list, "exhibit " + id + ": " + actual.error().message);
    } else if (*actual != stated) {
      integrity("report_exhibit_hash", list, stated, *actual,
                "report.json states another hash-list SHA-256 for exhibit " + id + " than the file has");
    }
    bool in_case = false;
    for (const json& ce : case_json.value("evidence", json::array())) {
      if (Str(ce, "id") != id) continue;
      in_case = true;
      if (Str(ce, "hash_list_sha256") != stated) {
        integrity("report_exhibit_hash", kCaseJson, Str(ce, "hash_list_sha256"), stated,
                  "report.json and case.json state different hash-list SHA-256 for exhibit " + id);
      }
    }
    if (!in_case) integrity("report_exhibit_hash", rel, "", id, "report.json names exhibit " + id + ", case.json does not");
  }
  // Custody head.
  const json head = ObjectOr(integ, "custody_head");
  const int64_t seq = head.value("seq", int64_t{-1});
  if (seq >= 0) {
    if (auto chain = VerifyCustodyChain(root / kCustodyFileName)) {
      if (seq >= static_cast<int64_t>(chain->entries.size())) {
        integrity("report_custody_head", rel, std::to_string(seq), std::to_string(chain->entries.size()),
                  "report.json states a custody head past the end of custody.jsonl", seq);
      } else if (chain->entries[static_cast<size_t>(seq)].entry_sha256 != Str(head, "sha256")) {
        integrity("report_custody_head", rel, Str(head, "sha256"), chain->entries[static_cast<size_t>(seq)].entry_sha256,
                  "the custody line at the head report.json states has another entry hash", seq);
      }
    } else {
      structure("report_custody_unreadable", kCustodyFileName, chain.error().message);
    }
  }
  // Counts.
  if (auto db = core::SqliteDb::OpenReadOnly(root / "artifacts.sqlite", "case database")) {
    const json counts = ObjectOr(ObjectOr(m, "findings"), "counts");
    for (const KindInfo& k : AllKinds()) {
      if (!(*db)->HasTable(k.kind)) continue;
      auto n = (*db)->QueryInt("SELECT count(*) FROM \"" + k.kind + "\"");
      if (!n) continue;
      const int64_t stated = counts.contains(k.kind) && counts[k.kind].is_number_integer() ? counts[k.kind].get<int64_t>() : 0;
      if (stated != *n) {
        integrity("report_count", rel, std::to_string(stated), std::to_string(*n),
                  "report.json states " + std::to_string(stated) + " " + k.kind + " records; artifacts.sqlite holds " +
                      std::to_string(*n));
      }
    }
  }
  // Device identifiers: report.json vs evidence/<id>.json, and the case.jsonld device.
  std::vector<std::string> udids, serials;
  for (const json& e : m.value("evidence", json::array())) {
    const std::string id = Str(e, "id");
    const json dev = ObjectOr(e, "device");
    if (!Str(dev, "udid").empty()) udids.push_back(Str(dev, "udid"));
    if (!Str(dev, "serial_number").empty()) serials.push_back(Str(dev, "serial_number"));
    auto ej = ReadJson(root / kEvidenceDir / (id + ".json"));
    if (!ej) continue;
    const json identity = ObjectOr(*ej, "identity");
    for (const char* f : {"udid", "serial_number", "imei", "imei2", "meid", "iccid", "phone_number", "product_type",
                          "ios_version", "build_version"}) {
      if (Str(dev, f) != Str(identity, f)) {
        integrity("report_device", rel, Str(identity, f), Str(dev, f),
                  "exhibit " + id + ": report.json states another " + f + " than evidence/" + id + ".json");
      }
    }
  }
  const fs::path jsonld = root / "report" / "case.jsonld";
  if (fs::exists(jsonld, ec) && (!udids.empty() || !serials.empty())) {
    std::FILE* f = std::fopen(jsonld.c_str(), "rb");
    if (f == nullptr) {
      structure("report_jsonld_unreadable", "report/case.jsonld", std::strerror(errno));
      return;
    }
    // case.jsonld has one node per line; only the device lines are looked at.
    std::set<std::string> seen_udids, seen_serials;
    std::string line;
    char buf[1 << 16];
    auto take = [&](const std::string& l, const std::string& key, std::set<std::string>& into) {
      for (size_t at = l.find(key); at != std::string::npos; at = l.find(key, at + 1)) {
        const size_t start = at + key.size();
        const size_t end = l.find('"', start);
        if (end != std::string::npos) into.insert(l.substr(start, end - start));
      }
    };
    auto scan = [&](const std::string& l) {
      if (l.find("uco-observable:MobileDevice") == std::string::npos) return;
      take(l, "\"mfx:uniqueDeviceID\":\"", seen_udids);
      take(l, "\"uco-observable:serialNumber\":\"", seen_serials);
    };
    while (std::fgets(buf, sizeof(buf), f) != nullptr) {
      line += buf;
      if (!line.empty() && line.back() == '\n') {
        scan(line);
        line.clear();
      }
    }
    scan(line);
    std::fclose(f);
    for (const auto& u : udids) {
      if (!seen_udids.count(u)) {
        integrity("report_jsonld_device", "report/case.jsonld", u, "", "case.jsonld has no MobileDevice with the UDID report.json states");
      }
    }
    for (const auto& s : serials) {
      if (!seen_serials.count(s)) {
        integrity("report_jsonld_device", "report/case.jsonld", s, "",
                  "case.jsonld has no MobileDevice with the serial number report.json states");
      }
    }
  }
}

}  // namespace mfx::reports

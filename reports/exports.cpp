#include "reports/exports.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <deque>
#include <exception>
#include <limits>
#include <mutex>
#include <queue>
#include <thread>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/crypto.h"
#include "core/direct_io.h"
#include "core/sqlite_db.h"
#include "reports/json_text.h"
#include "reports/record_json.h"
#include "reports/record_schema.h"

namespace mfx::reports {
namespace {

using core::Statement;

// Buffered writer to a new file that hashes (SHA-256) what it writes.
// One export file, hashed as it is written, through a 1 MiB aligned buffer written with O_DIRECT
// where the folder allows (core/direct_io.h: the 1.2 GB of exports of a 470k-record case cost
// 1.7–2.8 s of kernel CPU through the page cache).
class OutFile {
 public:
  static constexpr size_t kBuffer = 1u << 20;
  static Result<OutFile> Create(const std::filesystem::path& p, bool direct) {
    const int fd = ::open(p.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) return Fail(ErrorCode::kIo, p.string() + ": " + std::strerror(errno));
    return OutFile(fd, p, direct);
  }
  OutFile(OutFile&& o) noexcept
      : fd_(std::exchange(o.fd_, -1)),
        path_(std::move(o.path_)),
        writer_(o.writer_),
        buffer_(std::move(o.buffer_)),
        used_(o.used_),
        status_(std::move(o.status_)),
        sha256_(std::move(o.sha256_)),
        bytes_(o.bytes_) {}
  ~OutFile() {
    if (fd_ >= 0) ::close(fd_);
  }
  void Write(std::string_view s) {
    sha256_.Update(AsBytes(s));
    bytes_ += s.size();
    while (!s.empty()) {
      const size_t n = std::min(s.size(), buffer_.size() - used_);
      std::memcpy(buffer_.data() + used_, s.data(), n);
      used_ += n;
      s.remove_prefix(n);
      if (used_ == buffer_.size()) Flush();
    }
  }
  uint64_t bytes() const { return bytes_; }
  // Returns the SHA-256 (hex) of everything written.
  Result<std::string> Close() {
    Flush();
    const bool closed = ::close(std::exchange(fd_, -1)) == 0;
    if (!status_) return tl::unexpected(status_.error());
    if (!closed) return Fail(ErrorCode::kIo, path_.string() + ": close failed");
    return sha256_.FinishHex();
  }

 private:
  OutFile(int fd, std::filesystem::path p, bool direct)
      : fd_(fd), path_(std::move(p)), writer_(fd, direct), buffer_(kBuffer), sha256_(core::HashAlgorithm::kSha256) {}
  void Flush() {
    if (used_ > 0 && status_) status_ = writer_.Write(std::span<const uint8_t>(buffer_.data(), used_), path_.string());
    used_ = 0;
  }
  int fd_;
  std::filesystem::path path_;
  core::DirectWriter writer_;
  core::AlignedBuffer buffer_;
  size_t used_ = 0;
  Status status_;
  core::Hasher sha256_;
  uint64_t bytes_ = 0;
};

// A text as valid UTF-8: its own bytes when they are (no copy), else the SanitizeUtf8 copy in
// `scratch`.
std::string_view CleanText(std::string_view v, std::string& scratch) {
  if (IsValidUtf8(v)) return v;
  scratch = SanitizeUtf8(v);
  return scratch;
}

// Text of a column as valid UTF-8, as above.
std::string_view CleanText(const Statement& st, int i, std::string& scratch) {
  return CleanText(st.Text(i), scratch);
}

// The decimal digits of `v`, as std::to_string writes them, without a temporary string.
void AppendInteger(std::string& out, int64_t v) {
  char digits[24];
  const auto r = std::to_chars(digits, digits + sizeof digits, v);
  out.append(digits, r.ptr);
}

void AppendKey(std::string& out, std::string_view name) {
  AppendJsonString(out, name);
  out += ':';
}

// A REAL as nlohmann writes it (shortest round-trip digits, "1.0" for whole values).
std::string RealText(double v) { return OrderedJson(v).dump(); }

// [+-]digits[.digits][e[+-]digits], or [+-].digits…: text that strtod reads to its end (it
// also reads other forms, such as inf or hex, which the caller leaves to strtod).
bool IsDecimalNumber(std::string_view v) {
  size_t i = 0;
  auto digits = [&] {
    const size_t start = i;
    while (i < v.size() && v[i] >= '0' && v[i] <= '9') ++i;
    return i - start;
  };
  if (i < v.size() && (v[i] == '+' || v[i] == '-')) ++i;
  size_t mantissa = digits();
  if (i < v.size() && v[i] == '.') {
    ++i;
    mantissa += digits();
  }
  if (mantissa == 0) return false;
  if (i < v.size() && (v[i] == 'e' || v[i] == 'E')) {
    ++i;
    if (i < v.size() && (v[i] == '+' || v[i] == '-')) ++i;
    if (digits() == 0) return false;
  }
  return i == v.size();
}

void AppendCsvCell(std::string& out, std::string_view v) {
  bool formula = false;
  if (!v.empty() &&
      (v[0] == '=' || v[0] == '+' || v[0] == '-' || v[0] == '@' || v[0] == '\t' || v[0] == '\r')) {
    // A plain number like -12.5 is data, not a formula: what strtod reads to the end. The
    // common forms (a phone number +15550100, -12.5, 1e5) are recognised here without it.
    formula = !IsDecimalNumber(v);
    if (formula) {
      const std::string s(v);
      char* end = nullptr;
      std::strtod(s.c_str(), &end);
      formula = end == nullptr || *end != '\0';
    }
  }
  // One pass over the bytes, eight at a time (string_view::find_first_of calls memchr on the
  // set once per byte); messages' texts pass here once per export and timeline row.
  bool quote = false;
  size_t i = 0;
  for (; !quote && v.size() - i >= 8; i += 8) {
    uint64_t w;
    std::memcpy(&w, v.data() + i, 8);
    quote =
        WordHasByte(w, ',') || WordHasByte(w, '"') || WordHasByte(w, '\r') || WordHasByte(w, '\n');
  }
  for (; !quote && i < v.size(); ++i) {
    const char c = v[i];
    quote = c == ',' || c == '"' || c == '\r' || c == '\n';
  }
  if (!quote) {
    if (formula) out += '\'';
    out += v;
    return;
  }
  out += '"';
  if (formula) out += '\'';
  size_t run = 0;
  for (size_t q = v.find('"'); q != std::string_view::npos; q = v.find('"', run)) {
    out.append(v, run, q + 1 - run);
    out += '"';
    run = q + 1;
  }
  out.append(v, run, std::string_view::npos);
  out += '"';
}

// A JSON list column (case_db writes lists as JSON text) as its CSV cell: items joined with
// "; ", attachment objects by their name.
std::string ListCell(const OrderedJson& v);

std::string CellOf(const OrderedJson& v) {
  if (v.is_null()) return "";
  if (v.is_string()) return v.get<std::string>();
  if (v.is_boolean()) return v.get<bool>() ? "true" : "false";
  if (v.is_array()) return ListCell(v);
  return v.dump();
}

std::string ListCell(const OrderedJson& v) {
  std::string out;
  for (const auto& e : v) {
    // Attachments by name, edit versions as "time text", anything else as its JSON.
    const std::string item = !e.is_object()     ? CellOf(e)
                             : e.contains("name") ? CellOf(e["name"])
                             : e.contains("text") ? CellOf(e["time"]) + " " + CellOf(e["text"])
                                                  : e.dump();
    out += (out.empty() ? "" : "; ") + item;
  }
  return out;
}

// A list of plain strings in the form the case database writes it — ["a","b"]: no escapes, no
// control characters, nothing between the items but commas, valid UTF-8 — is already its own
// compact JSON, as nlohmann would dump it; its CSV cell is its items joined with "; " (ListCell).
// Appends both and returns true; returns false, appending nothing, for anything else (escapes,
// objects, numbers, other spacing), which goes through nlohmann as before. Every message of a case
// has a participants list: parsing and dumping each one cost the per-kind export a tree of
// allocations per row.
bool AppendPlainStringList(std::string_view text, std::string& json, std::string& cell) {
  if (text.size() < 2 || text.front() != '[' || text.back() != ']') return false;
  for (const char c : text) {
    if (c == '\\' || static_cast<unsigned char>(c) < 0x20) return false;
  }
  if (!IsValidUtf8(text)) return false;
  cell.clear();
  size_t i = 1;
  bool first = true;
  while (i < text.size() - 1) {
    if (!first) {
      if (text[i] != ',') return false;
      ++i;
    }
    if (i >= text.size() - 1 || text[i] != '"') return false;
    const size_t close = text.find('"', i + 1);
    if (close == std::string_view::npos || close >= text.size() - 1) return false;
    if (!cell.empty()) cell += "; ";  // as ListCell: no separator after leading empty items
    cell.append(text.substr(i + 1, close - i - 1));
    first = false;
    i = close + 1;
  }
  json += text;
  return true;
}

// A kind with a boolean "floating" field (calendar events whose start_tz is "_float") stores its
// start and end as wall-clock times written as if they were UTC: the event happens at that clock
// time wherever the device is, so those two are never moved into the display zone. Their local
// cell is the wall-clock time with no offset (ISO 8601 local time), e.g. 2024-02-03T00:00:00 for a
// birthday, in every zone. The record's other times (created, modified) are real instants.
bool FloatingField(std::string_view name) { return name == "time" || name == "end"; }

bool IsFloating(const Statement& st, int floating_col) {
  return floating_col >= 0 && !st.IsNull(floating_col) && st.Int(floating_col) != 0;
}

void AppendLocalTime(std::string& out, int64_t us, bool floating, const core::TimeZone& zone) {
  if (floating) {
    core::AppendIsoUtc(out, us);
    out.pop_back();  // the Z
  } else {
    zone.AppendIsoLocal(out, us);
  }
}

// A text into both lines: a JSON string, and a CSV cell appended where the caller put its comma.
void AppendText(std::string_view text, std::string& scratch, std::string& json, std::string& csv) {
  const std::string_view v = CleanText(text, scratch);
  AppendJsonString(json, v);
  AppendCsvCell(csv, v);
}

// A text column into both lines.
void AppendText(const Statement& st, int c, std::string& scratch, std::string& json,
                std::string& csv) {
  AppendText(st.Text(c), scratch, json, csv);
}

// An integer src_rowid into both lines: a JSON number, and its digits as a CSV cell.
void AppendRowid(int64_t rowid, std::string& json, std::string& csv) {
  const std::string v = std::to_string(rowid);
  json += v;
  AppendCsvCell(csv, v);
}

// src_rowid into both lines: a JSON number for an integer, null (empty cell), else text.
void AppendRowid(const Statement& st, int c, std::string& scratch, std::string& json,
                 std::string& csv) {
  const int type = st.ColumnType(c);
  if (type == SQLITE_INTEGER) {
    AppendRowid(st.Int(c), json, csv);
  } else if (type == SQLITE_NULL) {
    json += "null";
  } else {
    AppendText(st, c, scratch, json, csv);
  }
}

// Writes a row of a kind's table as its export line (JSON: must equal RecordToJson) and its CSV
// line, straight from the columns into reused buffers.
class RowWriter {
 public:
  RowWriter(const KindInfo& k, const Statement& st, const core::TimeZone& zone)
      : k_(k), st_(st), zone_(zone) {
    std::map<std::string, int> index;
    for (int i = 0; i < st.ColumnCount(); ++i) index[st.ColumnName(i)] = i;
    auto col = [&](const std::string& name) { return index.at(name); };
    app_ = col("app");
    time_ = TimeCols{col("time"), col("time_us"), col("time_raw"), col("time_encoding")};
    for (const FieldColumn& f : k.fields) {
      Field x{&f, col(f.name), {}};
      if (f.type == ColumnType::kTimestamp) {
        x.time =
            TimeCols{x.col, col(f.name + "_us"), col(f.name + "_raw"), col(f.name + "_encoding")};
      }
      fields_.push_back(x);
    }
    domain_ = col("src_domain");
    path_ = col("src_path");
    file_id_ = col("src_file_id");
    table_ = col("src_table");
    rowid_ = col("src_rowid");
    chain_ = col("src_decode_chain");
    deleted_ = col("deleted");
    parser_ = col("parser");
    if (auto it = index.find("floating"); it != index.end()) floating_ = it->second;
  }

  void Write(std::string& json, std::string& csv) {
    raw_.clear();
    json += "{\"kind\":";
    AppendJsonString(json, k_.kind);
    AppendCsvCell(csv, k_.kind);
    json += ",\"app\":";
    const std::string_view app = CleanText(st_, app_, scratch_);
    AppendJsonString(json, app);
    csv += ',';
    AppendCsvCell(csv, app);
    json += ",\"time\":";
    csv += ',';
    Time("time", time_, json, csv);
    for (const Field& f : fields_) {
      json += ',';
      AppendKey(json, f.column->name);
      csv += ',';
      const int c = f.col;
      switch (f.column->type) {
        case ColumnType::kText:
          if (st_.IsNull(c)) {
            json += "null";
          } else {
            const std::string_view v = CleanText(st_, c, scratch_);
            AppendJsonString(json, v);
            AppendCsvCell(csv, v);
          }
          break;
        case ColumnType::kInteger:
          if (st_.IsNull(c)) {
            json += "null";
          } else {
            const std::string v = std::to_string(st_.Int(c));
            json += v;
            AppendCsvCell(csv, v);
          }
          break;
        case ColumnType::kReal:
          if (st_.IsNull(c)) {
            json += "null";
          } else {
            const std::string v = RealText(st_.Real(c));
            json += v;
            AppendCsvCell(csv, v);
          }
          break;
        case ColumnType::kBoolean:
          if (st_.IsNull(c)) {
            json += "null";
          } else {
            const char* v = st_.Int(c) != 0 ? "true" : "false";
            json += v;
            csv += v;
          }
          break;
        case ColumnType::kJson: {
          const std::string_view text = st_.IsNull(c) ? std::string_view("[]") : st_.Text(c);
          if (text == "[]") {
            json += "[]";
          } else if (AppendPlainStringList(text, json, cell_)) {
            AppendCsvCell(csv, cell_);
          } else {
            const OrderedJson v = OrderedJson::parse(text, nullptr, false);
            json += v.dump();
            AppendCsvCell(csv, CellOf(v));
          }
          break;
        }
        case ColumnType::kTimestamp:
          Time(f.column->name, f.time, json, csv);
          break;
      }
    }
    json += ",\"source\":{\"domain\":";
    csv += ',';
    Text(domain_, json, csv);
    json += ",\"path\":";
    csv += ',';
    Text(path_, json, csv);
    json += ",\"file_id\":";
    csv += ',';
    Text(file_id_, json, csv);
    json += ",\"table\":";
    csv += ',';
    if (st_.IsNull(table_)) {
      json += "null";
    } else {
      Text(table_, json, csv);
    }
    json += ",\"rowid\":";
    csv += ',';
    AppendRowid(st_, rowid_, scratch_, json, csv);
    if (!st_.IsNull(chain_)) {
      json += ",\"decode_chain\":";
      AppendJsonString(json, CleanText(st_, chain_, scratch_));
    }
    const char* deleted = st_.Int(deleted_) != 0 ? "true" : "false";
    json += "},\"deleted\":";
    json += deleted;
    csv += ',';
    csv += deleted;
    json += ",\"parser\":";
    csv += ',';
    Text(parser_, json, csv);
    json += ",\"raw_times\":{";
    json += raw_;
    json += "}}\n";
    csv += '\n';
  }

 private:
  struct TimeCols {
    int text = -1, us = -1, raw = -1, encoding = -1;
  };
  struct Field {
    const FieldColumn* column;
    int col;
    TimeCols time;
  };

  // A text column into both lines (the CSV cell is appended where the caller put its comma).
  void Text(int c, std::string& json, std::string& csv) { AppendText(st_, c, scratch_, json, csv); }

  // A timestamp: ISO text (or null), then its local-time CSV cell; raw and encoding into raw_.
  void Time(std::string_view name, const TimeCols& t, std::string& json, std::string& csv) {
    if (!st_.IsNull(t.raw)) {
      if (!raw_.empty()) raw_ += ',';
      AppendKey(raw_, name);
      raw_ += "{\"raw\":";
      AppendJsonString(raw_, CleanText(st_, t.raw, scratch_));
      raw_ += ",\"encoding\":";
      AppendJsonString(raw_, CleanText(st_, t.encoding, scratch_));
      raw_ += '}';
    }
    if (st_.IsNull(t.text)) {
      json += "null";
    } else {
      Text(t.text, json, csv);
    }
    csv += ',';
    if (!st_.IsNull(t.us)) {
      AppendLocalTime(csv, st_.Int(t.us), FloatingField(name) && IsFloating(st_, floating_), zone_);
    }
  }

  const KindInfo& k_;
  const Statement& st_;
  const core::TimeZone& zone_;
  int app_ = -1, domain_ = -1, path_ = -1, file_id_ = -1, table_ = -1, rowid_ = -1, chain_ = -1,
      deleted_ = -1, parser_ = -1, floating_ = -1;
  TimeCols time_;
  std::vector<Field> fields_;
  std::string raw_, scratch_, cell_;
};

// SQL for the timeline's message column, per kind (coalesce keeps NULLs out of the text).
const char* SummarySql(const std::string& kind) {
  static const std::map<std::string, const char*> kSummary = {
      {"messages",
       "coalesce(direction, 'direction unknown') || ' ' || coalesce(party, chat, '') || ': ' || "
       "coalesce(text, '')"},
      {"contacts",
       "'Contact ' || trim(coalesce(first_name, '') || ' ' || coalesce(last_name, '') || ' ' || "
       "coalesce(organization, ''))"},
      {"calls",
       "coalesce(direction, 'direction unknown') || ' ' || coalesce(call_type, 'unknown') || ' "
       "call ' || coalesce(party, '') || coalesce(' (' || duration_s || ' s)', '')"},
      {"web_history", "'Visited ' || url || coalesce(' — ' || title, '')"},
      {"bookmarks", "bookmark_type || ' ' || coalesce(title, '') || ' ' || coalesce(url, '')"},
      {"notes", "'Note ' || coalesce(title, '')"},
      {"calendar_events", "'Event ' || coalesce(title, '') || coalesce(' @ ' || location, '')"},
      {"photos", "coalesce(media_type, 'asset') || ' ' || coalesce(filename, '')"},
      {"wifi_networks", "'Wi-Fi network ' || coalesce(ssid, '')"},
      {"apps", "'App ' || bundle_id || coalesce(' (' || name || ')', '')"},
      {"accounts",
       "'Account ' || coalesce(username, '') || coalesce(' (' || account_type || ')', '')"},
      {"voicemails", "'Voicemail from ' || coalesce(party, '')"},
      {"device_info",
       "'Backup of ' || coalesce(device_name, '') || ' ' || coalesce(product_type, '')"},
  };
  auto it = kSummary.find(kind);
  return it == kSummary.end() ? "''" : it->second;
}

std::string Describe(const std::string& kind, const std::string& column) {
  static const std::map<std::string, std::string> kDesc = {
      {"messages.time", "Message sent/received"}, {"messages.read_time", "Message read"},
      {"messages.delivered_time", "Message delivered"}, {"contacts.time", "Contact created"},
      {"contacts.modified", "Contact modified"}, {"calls.time", "Call started"},
      {"calls.end_time", "Call ended"}, {"web_history.time", "Web page visited"},
      {"notes.time", "Note created"}, {"notes.modified", "Note modified"},
      {"calendar_events.time", "Event start"}, {"calendar_events.end", "Event end"},
      {"photos.time", "Photo/video created"}, {"photos.added", "Photo/video added"},
      {"photos.modified", "Photo/video modified"}, {"wifi_networks.time", "Wi-Fi last joined"},
      {"wifi_networks.added", "Wi-Fi network added"}, {"apps.time", "App installed/purchased"},
      {"accounts.time", "Account added"}, {"voicemails.time", "Voicemail received"},
      {"voicemails.trashed_time", "Voicemail trashed"}, {"device_info.time", "Last backup"},
  };
  auto it = kDesc.find(kind + "." + column);
  return it != kDesc.end() ? it->second : kind + " " + column;
}

}  // namespace

std::string CsvCell(std::string_view v) {
  std::string out;
  AppendCsvCell(out, v);
  return out;
}

namespace {

// Buffers are flushed to their files once they pass this size.
constexpr size_t kFlushBytes = 1 << 20;

void Flush(OutFile& f, std::string& buffer, size_t at_least) {
  if (buffer.size() < at_least || buffer.empty()) return;
  f.Write(buffer);
  buffer.clear();
}

// Hashes and writes full buffers on a thread of its own, so that the thread formatting rows never
// waits on SHA-256 or the kernel (the timeline is the longest export; once the per-kind files are
// done this puts the second core to use). At most kQueued buffers wait, so memory stays bounded;
// buffers are recycled, so the loop does not allocate.
class BackgroundWriter {
 public:
  explicit BackgroundWriter(std::vector<OutFile*> files)
      : files_(std::move(files)), thread_([this] { Run(); }) {}
  ~BackgroundWriter() { Finish(); }
  BackgroundWriter(const BackgroundWriter&) = delete;
  BackgroundWriter& operator=(const BackgroundWriter&) = delete;

  // Hands `buffer` to files[file] once it holds at least `at_least` bytes (0: whatever it holds);
  // `buffer` comes back empty.
  void Flush(size_t file, std::string& buffer, size_t at_least) {
    if (buffer.size() < at_least || buffer.empty()) return;
    std::unique_lock lock(mu_);
    room_.wait(lock, [&] { return queue_.size() < kQueued; });
    queue_.push_back({file, std::move(buffer)});
    if (spares_.empty()) {
      buffer = std::string();
    } else {
      buffer = std::move(spares_.back());
      spares_.pop_back();
    }
    ready_.notify_one();
  }

  // Waits until every handed buffer is written.
  void Finish() {
    {
      std::lock_guard lock(mu_);
      done_ = true;
    }
    ready_.notify_one();
    if (thread_.joinable()) thread_.join();
  }

 private:
  static constexpr size_t kQueued = 4;
  struct Item {
    size_t file;
    std::string data;
  };

  void Run() {
    for (;;) {
      Item item;
      {
        std::unique_lock lock(mu_);
        ready_.wait(lock, [&] { return !queue_.empty() || done_; });
        if (queue_.empty()) return;
        item = std::move(queue_.front());
        queue_.pop_front();
      }
      room_.notify_one();
      files_[item.file]->Write(item.data);
      item.data.clear();
      std::lock_guard lock(mu_);
      spares_.push_back(std::move(item.data));
    }
  }

  std::vector<OutFile*> files_;
  std::mutex mu_;
  std::condition_variable ready_, room_;
  std::deque<Item> queue_;
  std::vector<std::string> spares_;
  bool done_ = false;
  std::thread thread_;  // last: starts once the members above exist
};

// One timestamp column of one kind: a stream of timeline rows.
struct TimelineStream {
  std::string kind;
  std::string column;     // the timestamp column; its instant is "<column>_us"
  std::string descr;      // the timeline's timestamp_desc for this column
  bool floating = false;  // the kind's `floating` flag applies to this column
};

// The timeline's order is (time, kind, parser, id, column). SQLite's sorter over the UNION of the
// wide rows (message text, source, raw value) spilled ~255 MB to temporary files outside the case
// folder for a 470k-record case (850k rows) and took 2.2 of the 3.5 s the timeline took. Reading
// each row back by its id after sorting the keys alone cost a seek or step of the case database
// per row, and about half of the timeline's CPU time went to SQLite and the kernel's page reads.
// Now each kind is read once, in id order, and its rows' fields are sorted here (TimelineSorter).
struct TimelineKey {
  int64_t us;
  // kind rank (6 bits) | parser rank (8) | row (42) | stream's column index (8), so that comparing
  // (us, order) compares (time, kind, parser, id, column): a row is the record's place in its
  // kind's table in id order, which follows the id. Ranks follow byte order of the names, as
  // SQLite's ORDER BY kind, parser did.
  uint64_t order;
  bool operator<(const TimelineKey& o) const { return us != o.us ? us < o.us : order < o.order; }
};
constexpr int kOrderRowBits = 42, kOrderColumnBits = 8, kOrderParserBits = 8, kOrderKindBits = 6;
constexpr int kOrderKindShift = kOrderParserBits + kOrderRowBits + kOrderColumnBits;

// A timeline row's fields besides its time, kind and timestamp_desc. The views point into the
// sorter's bytes, or into the statement's row while it is packed.
struct TimelineFields {
  uint32_t record_id = 0;  // the record's line in exports/<kind>.jsonl, from 1
  bool deleted = false, floating = false, table_null = false;
  int rowid_type = SQLITE_NULL;  // SQLITE_INTEGER, SQLITE_NULL, or anything else: rowid_text
  int64_t rowid = 0;
  std::string_view message, app, domain, path, table, rowid_text, raw, encoding;
};

// TimelineFields as bytes: record_id (4), flags (1), rowid (8, when an integer), then each text as
// its length (4) and bytes.
void PackFields(const TimelineFields& f, std::string& out) {
  auto put = [&out](const void* p, size_t n) { out.append(static_cast<const char*>(p), n); };
  put(&f.record_id, 4);
  const uint8_t flags = (f.deleted ? 1 : 0) | (f.floating ? 2 : 0) | (f.table_null ? 4 : 0) |
                        (f.rowid_type == SQLITE_INTEGER ? 8
                         : f.rowid_type == SQLITE_NULL  ? 16
                                                        : 0);
  put(&flags, 1);
  if (f.rowid_type == SQLITE_INTEGER) put(&f.rowid, 8);
  for (std::string_view s :
       {f.message, f.app, f.domain, f.path, f.table, f.rowid_text, f.raw, f.encoding}) {
    const auto n = static_cast<uint32_t>(s.size());
    put(&n, 4);
    out.append(s);
  }
}

TimelineFields UnpackFields(std::string_view b) {
  TimelineFields f;
  size_t at = 0;
  auto get = [&](void* p, size_t n) {
    std::memcpy(p, b.data() + at, n);
    at += n;
  };
  get(&f.record_id, 4);
  uint8_t flags = 0;
  get(&flags, 1);
  f.deleted = flags & 1;
  f.floating = flags & 2;
  f.table_null = flags & 4;
  f.rowid_type = flags & 8 ? SQLITE_INTEGER : flags & 16 ? SQLITE_NULL : SQLITE_TEXT;
  if (f.rowid_type == SQLITE_INTEGER) get(&f.rowid, 8);
  for (std::string_view* s :
       {&f.message, &f.app, &f.domain, &f.path, &f.table, &f.rowid_text, &f.raw, &f.encoding}) {
    uint32_t n = 0;
    get(&n, 4);
    *s = b.substr(at, n);
    at += n;
  }
  return f;
}

// Sorts the timeline's rows by key within a memory budget (bytes of packed rows and their
// entries): rows gather in a buffer; a full buffer is sorted and written as a run to an unnamed
// file beside the exports, and the runs are merged at the end (the benchmark case's 850k rows take
// about 150 MB packed: 5 runs of 32 MB). When everything fits in one buffer, no file is made.
class TimelineSorter {
 public:
  TimelineSorter(std::filesystem::path dir, size_t budget)
      : dir_(std::move(dir)), budget_(budget) {}
  ~TimelineSorter() {
    if (fd_ >= 0) ::close(fd_);
  }
  TimelineSorter(const TimelineSorter&) = delete;
  TimelineSorter& operator=(const TimelineSorter&) = delete;

  Status Add(const TimelineKey& key, const TimelineFields& fields) {
    const size_t before = data_.size();
    PackFields(fields, data_);
    const size_t size = data_.size() - before;
    if (size > std::numeric_limits<uint32_t>::max() ||
        before > std::numeric_limits<uint32_t>::max()) {
      return Fail(ErrorCode::kInternal, "timeline export: a row too large to sort");
    }
    entries_.push_back({key, static_cast<uint32_t>(before), static_cast<uint32_t>(size)});
    if (data_.size() + entries_.size() * sizeof(Entry) >= budget_) return WriteRun();
    return {};
  }

  // Calls emit(key, fields) for every row, in key order.
  template <typename Emit>
  Status Finish(Emit&& emit) {
    if (runs_.empty()) {
      std::sort(entries_.begin(), entries_.end());
      for (const Entry& e : entries_) {
        MFX_RETURN_IF_ERROR(
            emit(e.key, UnpackFields(std::string_view(data_).substr(e.offset, e.size))));
      }
      return {};
    }
    if (!entries_.empty()) MFX_RETURN_IF_ERROR(WriteRun());
    std::string().swap(data_);  // the runs' readers use the memory from here on
    std::vector<Entry>().swap(entries_);
    std::vector<RunReader> readers;
    for (const auto& [begin, end] : runs_) readers.push_back(RunReader(fd_, begin, end));
    auto later = [&readers](size_t a, size_t b) { return readers[b].key() < readers[a].key(); };
    std::priority_queue<size_t, std::vector<size_t>, decltype(later)> heap(later);
    for (size_t i = 0; i < readers.size(); ++i) {
      MFX_ASSIGN_OR_RETURN(bool more, readers[i].Next());
      if (more) heap.push(i);
    }
    while (!heap.empty()) {
      const size_t i = heap.top();
      heap.pop();
      MFX_RETURN_IF_ERROR(emit(readers[i].key(), UnpackFields(readers[i].fields())));
      MFX_ASSIGN_OR_RETURN(bool more, readers[i].Next());
      if (more) heap.push(i);
    }
    return {};
  }

 private:
  struct Entry {
    TimelineKey key;
    uint32_t offset, size;  // in data_
    bool operator<(const Entry& o) const { return key < o.key; }
  };
  static constexpr size_t kHeader = 8 + 8 + 4;  // a run's row: us, order, size, then the bytes

  // Reads one run's rows in turn, through a buffer.
  class RunReader {
   public:
    RunReader(int fd, uint64_t begin, uint64_t end)
        : fd_(fd), pos_(begin), end_(end), chunk_(std::min<uint64_t>(kChunk, end - begin)) {}
    const TimelineKey& key() const { return key_; }
    std::string_view fields() const { return std::string_view(buffer_).substr(at_ - size_, size_); }

    Result<bool> Next() {
      if (pos_ == end_ && at_ == filled_) return false;
      MFX_RETURN_IF_ERROR(Need(kHeader));
      uint32_t size = 0;
      std::memcpy(&key_.us, buffer_.data() + at_, 8);
      std::memcpy(&key_.order, buffer_.data() + at_ + 8, 8);
      std::memcpy(&size, buffer_.data() + at_ + 16, 4);
      at_ += kHeader;
      MFX_RETURN_IF_ERROR(Need(size));
      at_ += size;
      size_ = size;
      return true;
    }

   private:
    static constexpr size_t kChunk = 256u << 10;
    // Makes n bytes from at_ on available in the buffer.
    Status Need(size_t n) {
      if (filled_ - at_ >= n) return {};
      buffer_.erase(0, at_);
      filled_ -= at_;
      at_ = 0;
      const size_t want = std::max(n, chunk_);
      if (buffer_.size() < want) buffer_.resize(want);
      while (filled_ < n) {
        const size_t room = std::min<uint64_t>(buffer_.size() - filled_, end_ - pos_);
        if (room == 0) return Fail(ErrorCode::kIo, "timeline export: a sorted run ended early");
        const ssize_t got = ::pread(fd_, buffer_.data() + filled_, room, static_cast<off_t>(pos_));
        if (got < 0 && errno == EINTR) continue;
        if (got <= 0) {
          return Fail(ErrorCode::kIo, std::string("timeline export: reading a sorted run: ") +
                                          (got < 0 ? std::strerror(errno) : "end of file"));
        }
        filled_ += static_cast<size_t>(got);
        pos_ += static_cast<uint64_t>(got);
      }
      return {};
    }

    int fd_;
    uint64_t pos_, end_;  // the part of the run not yet read into the buffer
    size_t chunk_;        // bytes read at a time: kChunk, or the whole run when it is smaller
    std::string buffer_;
    size_t at_ = 0, filled_ = 0, size_ = 0;
    TimelineKey key_{};
  };

  // Sorts the buffer's rows and appends them to the run file as one run.
  Status WriteRun() {
    if (fd_ < 0) {
      // Unnamed, so nothing is left behind whatever happens; else a named file removed at once.
      fd_ = ::open(dir_.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
      if (fd_ < 0) {
        std::string name = (dir_ / ".timeline-sort-XXXXXX").string();
        fd_ = ::mkostemp(name.data(), O_CLOEXEC);
        if (fd_ >= 0) ::unlink(name.c_str());
      }
      if (fd_ < 0) {
        return Fail(ErrorCode::kIo,
                    dir_.string() + ": a file to sort the timeline in: " + std::strerror(errno));
      }
    }
    std::sort(entries_.begin(), entries_.end());
    const uint64_t begin = written_;
    std::string out;
    out.reserve(1u << 20);
    auto flush = [&]() -> Status {
      size_t done = 0;
      while (done < out.size()) {
        const ssize_t n = ::pwrite(fd_, out.data() + done, out.size() - done,
                                   static_cast<off_t>(written_ + done));
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
          return Fail(ErrorCode::kIo, std::string("timeline export: writing a sorted run: ") +
                                          std::strerror(errno));
        }
        done += static_cast<size_t>(n);
      }
      written_ += out.size();
      out.clear();
      return {};
    };
    for (const Entry& e : entries_) {
      out.append(reinterpret_cast<const char*>(&e.key.us), 8);
      out.append(reinterpret_cast<const char*>(&e.key.order), 8);
      out.append(reinterpret_cast<const char*>(&e.size), 4);
      out.append(data_, e.offset, e.size);
      if (out.size() >= (1u << 20)) MFX_RETURN_IF_ERROR(flush());
    }
    MFX_RETURN_IF_ERROR(flush());
    runs_.emplace_back(begin, written_);
    data_.clear();
    entries_.clear();
    return {};
  }

  std::filesystem::path dir_;
  size_t budget_;
  int fd_ = -1;
  uint64_t written_ = 0;
  std::vector<std::pair<uint64_t, uint64_t>> runs_;  // [begin, end) in the file
  std::string data_;
  std::vector<Entry> entries_;
};

// exports/timeline.{jsonl,csv}: every timestamp column of every kind, sorted by time; returns
// their rows, hashes and sizes.
Result<ExportFiles> WriteTimeline(const std::filesystem::path& case_db,
                                  const std::vector<TimelineStream>& streams,
                                  const std::filesystem::path& exports_dir,
                                  const core::TimeZone& zone, bool direct, size_t sort_bytes) {
  MFX_ASSIGN_OR_RETURN(auto db, core::SqliteDb::OpenReadOnly(case_db));
  MFX_ASSIGN_OR_RETURN(auto tj, OutFile::Create(exports_dir / "timeline.jsonl", direct));
  MFX_ASSIGN_OR_RETURN(auto tc, OutFile::Create(exports_dir / "timeline.csv", direct));
  tc.Write(
      "message,datetime,timestamp_desc,timestamp,datetime_local,kind,app,record_id,source_domain,"
      "source_path,source_table,source_rowid,raw,encoding,deleted\n");

  // Streams of one kind are consecutive in `streams`; a stream's column index counts from the
  // first of its kind.
  std::vector<std::string> kind_names;
  std::vector<size_t> stream_kind, stream_column;
  for (const TimelineStream& s : streams) {
    if (kind_names.empty() || kind_names.back() != s.kind) kind_names.push_back(s.kind);
    stream_kind.push_back(kind_names.size() - 1);
    stream_column.push_back(stream_kind.size() > 1 &&
                                    stream_kind[stream_kind.size() - 2] == stream_kind.back()
                                ? stream_column.back() + 1
                                : 0);
  }
  if (kind_names.size() > (1u << kOrderKindBits) || streams.size() > (1u << kOrderColumnBits)) {
    return Fail(ErrorCode::kInternal,
                "timeline export: more kinds or columns than the sort key holds");
  }
  std::vector<size_t> kind_rank(kind_names.size());  // kinds in byte order of their names
  {
    std::vector<std::string> by_name = kind_names;
    std::sort(by_name.begin(), by_name.end());
    for (size_t i = 0; i < kind_names.size(); ++i) {
      kind_rank[i] = static_cast<size_t>(
          std::lower_bound(by_name.begin(), by_name.end(), kind_names[i]) - by_name.begin());
    }
  }
  // (kind rank, column index) → the stream's kind and timestamp_desc as JSON values and CSV cells
  // (the same for all its rows).
  struct Labels {
    std::string kind_json, kind_csv, descr_json, descr_csv;
  };
  std::vector<std::vector<Labels>> labels(kind_names.size());
  for (size_t i = 0; i < streams.size(); ++i) {
    Labels& l = labels[kind_rank[stream_kind[i]]].emplace_back();
    AppendJsonString(l.kind_json, SanitizeUtf8(streams[i].kind));
    AppendCsvCell(l.kind_csv, SanitizeUtf8(streams[i].kind));
    AppendJsonString(l.descr_json, SanitizeUtf8(streams[i].descr));
    AppendCsvCell(l.descr_csv, SanitizeUtf8(streams[i].descr));
  }

  // One scan of each kind's table, in id order, reads the fields of all its timestamp columns.
  //
  // record_id: the record's line in exports/<kind>.jsonl (its row in <kind>.csv), counted from 1.
  // Those files list a kind in (parser, id) order, so a record's line is the number of records of
  // the parsers before its own, plus its place among its parser's records. The case database's
  // own id is not used: it numbers records as they arrive from the parser threads side by side,
  // so it differs from run to run, and the timeline would hash differently each time.
  TimelineSorter sorter(exports_dir, sort_bytes);
  enum : int {
    kId,
    kParser,
    kApp,
    kMessage,
    kDomain,
    kPath,
    kTable,
    kRowid,
    kDeleted,
    kFloating,
    kFirstTime
  };
  for (size_t first = 0; first < streams.size();) {
    const std::string& kind = streams[first].kind;
    size_t end = first;
    while (end < streams.size() && streams[end].kind == kind) ++end;
    const uint64_t kind_bits = uint64_t{kind_rank[stream_kind[first]]} << kOrderKindShift;
    // The kind's parsers in byte order (the (parser) index answers this without a scan), and
    // the line before each one's first record.
    std::vector<std::string> parsers;
    std::vector<uint64_t> line_before;
    {
      MFX_ASSIGN_OR_RETURN(auto st, db->Prepare("SELECT parser, count(*) FROM \"" + kind +
                                                "\" GROUP BY parser ORDER BY parser"));
      uint64_t lines = 0;
      for (;;) {
        MFX_ASSIGN_OR_RETURN(bool row, st.Step());
        if (!row) break;
        parsers.emplace_back(st.Text(0));
        line_before.push_back(lines);
        lines += static_cast<uint64_t>(st.Int(1));
      }
      if (parsers.size() > (1u << kOrderParserBits)) {
        return Fail(ErrorCode::kInternal, "timeline export: more parsers than the sort key holds");
      }
      if (lines > std::numeric_limits<uint32_t>::max()) {
        return Fail(ErrorCode::kInternal, "timeline export: more records of a kind than it counts");
      }
    }
    bool has_floating = false;
    for (size_t i = first; i < end; ++i) has_floating = has_floating || streams[i].floating;
    std::string sql = "SELECT id, parser, app, " + std::string(SummarySql(kind)) +
                      ", src_domain, src_path, src_table, src_rowid, deleted, " +
                      (has_floating ? "floating" : "0");
    for (size_t i = first; i < end; ++i) {
      const std::string& c = streams[i].column;
      sql += ", \"" + c + "_us\", \"" + c + "_raw\", \"" + c + "_encoding\"";
    }
    sql += " FROM \"" + kind + "\" ORDER BY id";
    MFX_ASSIGN_OR_RETURN(auto st, db->Prepare(sql));
    std::vector<uint64_t> seen(parsers.size(), 0);  // records of each parser so far
    std::string last_parser;
    size_t parser = 0;
    uint64_t row = 0;
    for (;; ++row) {
      MFX_ASSIGN_OR_RETURN(bool found, st.Step());
      if (!found) break;
      const std::string_view p = st.Text(kParser);
      if (p != last_parser || last_parser.empty()) {
        const auto it = std::lower_bound(parsers.begin(), parsers.end(), p);
        if (it == parsers.end() || *it != p) {
          return Fail(ErrorCode::kInternal,
                      "timeline export: parser '" + std::string(p) + "' appeared while reading");
        }
        parser = static_cast<size_t>(it - parsers.begin());
        last_parser.assign(p);
      }
      if (row >= (uint64_t{1} << kOrderRowBits) ||
          seen[parser] >= std::numeric_limits<uint32_t>::max()) {
        return Fail(ErrorCode::kInternal, "timeline export: more records of a kind than it counts");
      }
      TimelineFields f;
      f.record_id = static_cast<uint32_t>(line_before[parser] + ++seen[parser]);
      f.message = st.Text(kMessage);
      f.app = st.Text(kApp);
      f.domain = st.Text(kDomain);
      f.path = st.Text(kPath);
      f.table_null = st.IsNull(kTable);
      if (!f.table_null) f.table = st.Text(kTable);
      f.rowid_type = st.ColumnType(kRowid);
      if (f.rowid_type == SQLITE_INTEGER) {
        f.rowid = st.Int(kRowid);
      } else if (f.rowid_type != SQLITE_NULL) {
        f.rowid_text = st.Text(kRowid);
      }
      f.deleted = st.Int(kDeleted) != 0;
      const bool floating = IsFloating(st, kFloating);
      const uint64_t row_bits = kind_bits |
                                (uint64_t{parser} << (kOrderRowBits + kOrderColumnBits)) |
                                (row << kOrderColumnBits);
      for (size_t i = first; i < end; ++i) {
        const int c = kFirstTime + 3 * static_cast<int>(i - first);
        if (st.IsNull(c)) continue;
        f.raw = st.Text(c + 1);
        f.encoding = st.Text(c + 2);
        f.floating = floating && streams[i].floating;
        MFX_RETURN_IF_ERROR(sorter.Add({st.Int(c), row_bits | stream_column[i]}, f));
      }
    }
    first = end;
  }

  BackgroundWriter writer({&tj, &tc});
  std::string json, csv, scratch, iso;  // iso: reused, no allocation per row
  int64_t rows = 0;
  MFX_RETURN_IF_ERROR(sorter.Finish([&](const TimelineKey& key, const TimelineFields& f) -> Status {
    const Labels& label =
        labels[key.order >> kOrderKindShift][key.order & ((uint64_t{1} << kOrderColumnBits) - 1)];
    // A text field as `"key":value` in JSON and as the next cell of the CSV line.
    auto both = [&](const char* name, std::string_view v) {
      json += name;
      csv += ',';
      AppendText(v, scratch, json, csv);
    };
    const int64_t us = key.us;
    iso.clear();
    core::AppendIsoUtc(iso, us);
    json += "{\"datetime\":";
    AppendJsonString(json, iso);
    json += ",\"timestamp_desc\":";
    json += label.descr_json;
    json += ",\"message\":";
    // The CSV starts with message, datetime and timestamp_desc (Timesketch's order).
    AppendText(f.message, scratch, json, csv);
    csv += ',';
    csv.append(iso, 0, iso.size() - 1);  // Timesketch: +00:00 instead of Z
    csv += "+00:00,";
    csv += label.descr_csv;
    csv += ',';
    AppendInteger(csv, us);
    csv += ',';
    AppendLocalTime(csv, us, f.floating, zone);
    json += ",\"kind\":";
    json += label.kind_json;
    csv += ',';
    csv += label.kind_csv;
    both(",\"app\":", f.app);
    json += ",\"record_id\":";
    AppendInteger(json, f.record_id);
    csv += ',';
    AppendInteger(csv, f.record_id);
    both(",\"source\":{\"domain\":", f.domain);
    both(",\"path\":", f.path);
    json += ",\"table\":";
    csv += ',';
    if (f.table_null) {
      json += "null";
    } else {
      AppendText(f.table, scratch, json, csv);
    }
    json += ",\"rowid\":";
    csv += ',';
    if (f.rowid_type == SQLITE_INTEGER) {
      AppendRowid(f.rowid, json, csv);
    } else if (f.rowid_type == SQLITE_NULL) {
      json += "null";
    } else {
      AppendText(f.rowid_text, scratch, json, csv);
    }
    json += '}';
    both(",\"raw\":", f.raw);
    both(",\"encoding\":", f.encoding);
    const char* deleted = f.deleted ? "true" : "false";
    json += ",\"deleted\":";
    json += deleted;
    json += "}\n";
    csv += ',';
    csv += deleted;
    csv += '\n';
    ++rows;
    writer.Flush(0, json, kFlushBytes);
    writer.Flush(1, csv, kFlushBytes);
    return {};
  }));
  writer.Flush(0, json, 0);
  writer.Flush(1, csv, 0);
  writer.Finish();
  ExportFiles out;
  MFX_ASSIGN_OR_RETURN(out.sha256["timeline.jsonl"], tj.Close());
  MFX_ASSIGN_OR_RETURN(out.sha256["timeline.csv"], tc.Close());
  out.bytes["timeline.jsonl"] = tj.bytes();
  out.bytes["timeline.csv"] = tc.bytes();
  out.records["timeline.jsonl"] = rows;
  out.records["timeline.csv"] = rows;
  return out;
}

// exports/<kind>.{jsonl,csv} for the kinds left in `kinds` from `next` on, taken one at a time
// (other threads may take from the same queue); returns their rows, hashes and sizes.
Result<ExportFiles> WriteKindFiles(const core::SqliteDb& db,
                                   const std::vector<const KindInfo*>& kinds,
                                   std::atomic<size_t>& next,
                                   const std::filesystem::path& exports_dir,
                                   const core::TimeZone& zone, bool direct) {
  ExportFiles out;
  std::string json, csv;
  for (size_t i; (i = next.fetch_add(1)) < kinds.size();) {
    const KindInfo& k = *kinds[i];
    MFX_ASSIGN_OR_RETURN(auto jsonl, OutFile::Create(exports_dir / (k.kind + ".jsonl"), direct));
    MFX_ASSIGN_OR_RETURN(auto csv_file, OutFile::Create(exports_dir / (k.kind + ".csv"), direct));
    // CSV header: kind, app, time, time_local, fields (+ _local for timestamps), source, deleted.
    std::string header = "kind,app,time,time_local";
    for (const auto& f : k.fields) {
      header += "," + f.name;
      if (f.type == ColumnType::kTimestamp) header += "," + f.name + "_local";
    }
    header +=
        ",source_domain,source_path,source_file_id,source_table,source_rowid,deleted,parser\n";
    csv_file.Write(header);
    // Parser, then id: one parser's records keep the order it gave them, whatever the
    // interleaving of parsers running side by side (the case database numbers records as
    // they arrive from all parser threads).
    MFX_ASSIGN_OR_RETURN(auto st,
                         db.Prepare("SELECT * FROM \"" + k.kind + "\" ORDER BY parser, id"));
    RowWriter writer(k, st, zone);
    int64_t rows = 0;
    for (;;) {
      MFX_ASSIGN_OR_RETURN(bool row, st.Step());
      if (!row) break;
      writer.Write(json, csv);
      ++rows;
      Flush(jsonl, json, kFlushBytes);
      Flush(csv_file, csv, kFlushBytes);
    }
    Flush(jsonl, json, 0);
    Flush(csv_file, csv, 0);
    MFX_ASSIGN_OR_RETURN(out.sha256[k.kind + ".jsonl"], jsonl.Close());
    MFX_ASSIGN_OR_RETURN(out.sha256[k.kind + ".csv"], csv_file.Close());
    out.bytes[k.kind + ".jsonl"] = jsonl.bytes();
    out.bytes[k.kind + ".csv"] = csv_file.bytes();
    out.records[k.kind + ".jsonl"] = rows;
    out.records[k.kind + ".csv"] = rows;
  }
  return out;
}

}  // namespace

Result<ExportFiles> WriteExports(const std::filesystem::path& case_db,
                                 const std::filesystem::path& exports_dir,
                                 const core::TimeZone& zone, const ExportTuning& tuning) {
  MFX_ASSIGN_OR_RETURN(auto db, core::SqliteDb::OpenReadOnly(case_db));
  std::error_code ec;
  std::filesystem::create_directories(exports_dir, ec);
  const bool direct = core::DirectIoWorthwhile(exports_dir);
  ExportFiles out;
  // The timeline runs on a second thread (its own connection) beside the per-kind files.
  std::vector<TimelineStream> streams;
  std::vector<std::pair<int64_t, const KindInfo*>> sized_kinds;  // (records, kind)
  for (const KindInfo& k : AllKinds()) {
    MFX_ASSIGN_OR_RETURN(int64_t n, db->QueryInt("SELECT count(*) FROM \"" + k.kind + "\""));
    if (n == 0) continue;
    sized_kinds.emplace_back(n, &k);
    std::vector<std::string> time_columns{"time"};
    for (const auto& f : k.fields) {
      if (f.type == ColumnType::kTimestamp) time_columns.push_back(f.name);
    }
    const bool has_floating = std::any_of(k.fields.begin(), k.fields.end(), [](const FieldColumn& f) {
      return f.name == "floating" && f.type == ColumnType::kBoolean;
    });
    for (const std::string& c : time_columns) {
      TimelineStream s;
      s.kind = k.kind;
      s.column = c;
      s.descr = Describe(k.kind, c);
      s.floating = has_floating && FloatingField(c);
      streams.push_back(std::move(s));
    }
  }
  // The per-kind files are a queue, largest kinds first, that this thread works through and that
  // the timeline thread joins once the timeline is written: whichever finished first used to
  // leave a core idle while the other wrote the rest (0.1–0.4 s of the benchmark case's outputs,
  // either way round from run to run).
  std::stable_sort(sized_kinds.begin(), sized_kinds.end(),
                   [](const auto& a, const auto& b) { return a.first > b.first; });
  std::vector<const KindInfo*> kinds;
  for (const auto& [n, k] : sized_kinds) kinds.push_back(k);
  std::atomic<size_t> next_kind{0};
  Result<ExportFiles> timeline_files = ExportFiles{};
  Result<ExportFiles> stolen_files = ExportFiles{};
  std::thread timeline;
  if (!streams.empty()) {
    timeline = std::thread([&] {
      try {
        timeline_files =
            WriteTimeline(case_db, streams, exports_dir, zone, direct, tuning.timeline_sort_bytes);
        if (!timeline_files) return;
        auto own = core::SqliteDb::OpenReadOnly(case_db);
        if (!own) {
          stolen_files = tl::unexpected(own.error());
          return;
        }
        stolen_files = WriteKindFiles(**own, kinds, next_kind, exports_dir, zone, direct);
      } catch (const std::exception& e) {
        timeline_files = Fail(ErrorCode::kInternal, std::string("timeline export: ") + e.what());
      }
    });
  }
  Result<ExportFiles> kind_files = ExportFiles{};
  try {
    kind_files = WriteKindFiles(*db, kinds, next_kind, exports_dir, zone, direct);
    if (!kind_files) next_kind = kinds.size();  // the timeline thread takes no more
  } catch (...) {
    next_kind = kinds.size();
    if (timeline.joinable()) timeline.join();
    throw;
  }
  if (timeline.joinable()) timeline.join();
  for (Result<ExportFiles>* part : {&kind_files, &timeline_files, &stolen_files}) {
    if (!*part) return tl::unexpected(part->error());
    out.records.merge((*part)->records);
    out.sha256.merge((*part)->sha256);
    out.bytes.merge((*part)->bytes);
  }
  return out;
}

}  // namespace mfx::reports

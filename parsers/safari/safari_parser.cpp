#include "parsers/safari/safari_parser.h"

#include <map>

#include "core/plist.h"
#include "parsers/coredata/coredata.h"

namespace mfx::parsers::safari {
namespace {

using coredata::DescribeColumns;
using coredata::MissingColumns;

constexpr std::string_view kReadingListFolder = "com.apple.ReadingList";

std::string Join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : ", ") + s;
  return out;
}

// "Library/Safari/Profiles/<UUID>/History.db" → "<UUID>"; nullopt for the main History.db.
OptString ProfileOf(std::string_view path) {
  constexpr std::string_view kProfiles = "Library/Safari/Profiles/";
  if (!path.starts_with(kProfiles)) return std::nullopt;
  std::string_view rest = path.substr(kProfiles.size());
  const size_t slash = rest.find('/');
  if (slash == std::string_view::npos || slash == 0) return std::nullopt;
  return std::string(rest.substr(0, slash));
}

void ParseHistory(const ParserInput& in, ParserContext& ctx) {
  const core::SqliteDb& db = *in.db;
  const auto missing_items = MissingColumns(db, "history_items", {"id", "url", "visit_count"});
  const auto missing_visits =
      MissingColumns(db, "history_visits", {"id", "history_item", "visit_time", "title", "load_successful"});
  if (!missing_items.empty() || !missing_visits.empty()) {
    ctx.Unsupported(in, "unknown History.db schema (missing " + Join(missing_items) +
                            (missing_items.empty() || missing_visits.empty() ? "" : ", ") + Join(missing_visits) +
                            "): history_items(" + DescribeColumns(db, "history_items") + "); history_visits(" +
                            DescribeColumns(db, "history_visits") + ")");
    return;
  }
  const bool has_origin = db.HasColumn("history_visits", "origin");
  auto st = db.Prepare(std::string("SELECT v.id, v.visit_time, v.title, v.load_successful, ") +
                       (has_origin ? "v.origin" : "NULL") +
                       ", v.history_item, i.id, i.url, i.visit_count "
                       "FROM history_visits v LEFT JOIN history_items i ON i.id = v.history_item "
                       "ORDER BY v.id");
  if (!st) {
    ctx.Corrupt(in, "history_visits", "", st.error().message);
    return;
  }
  const OptString profile = ProfileOf(in.path);
  const int ios_major = ctx.facts().ios_major;
  for (;;) {
    auto row = st->Step();
    if (!row) {
      ctx.Corrupt(in, "history_visits", "", "reading stopped: " + row.error().message);
      return;
    }
    if (!*row) break;
    const int64_t id = st->Int(0);
    const std::string rowid = std::to_string(id);
    const int time_type = st->ColumnType(1);
    if (time_type != SQLITE_FLOAT && time_type != SQLITE_INTEGER) {
      ctx.Corrupt(in, "history_visits", rowid, "visit_time is not a number");
      continue;
    }
    if (st->IsNull(6)) {
      ctx.Corrupt(in, "history_visits", rowid,
                  "history_item " + std::to_string(st->Int(5)) + " has no history_items row");
      continue;
    }
    if (st->ColumnType(7) != SQLITE_TEXT) {
      ctx.Corrupt(in, "history_items", std::to_string(st->Int(6)), "url is not text");
      continue;
    }
    WebHistory r;
    r.app = "Safari";
    r.source = in.Source("history_visits", id);
    r.time = VisitTime(st->Real(1), ios_major);
    r.url = std::string(st->Text(7));
    r.title = st->OptText(2);
    r.visit_count = st->OptInt(8);
    r.profile = profile;
    if (auto ok = st->OptInt(3)) r.load_successful = *ok != 0;
    r.origin = st->OptInt(4);
    ctx.sink().Add(std::move(r));
  }
}

// extra_attributes of a reading-list item: a plist {com.apple.ReadingList: {DateAdded,
// DateLastViewed, PreviewText}, …}.
struct ReadingList {
  bool present = false;
  OptTime added;
  OptTime last_viewed;
  OptString preview;
};

Result<ReadingList> DecodeExtraAttributes(ByteSpan blob, const std::string& what) {
  ReadingList out;
  MFX_ASSIGN_OR_RETURN(core::PlistValue p, core::ParsePlist(blob, what));
  if (!p.is_dict()) return Fail(ErrorCode::kCorrupt, what + ": not a dict");
  const core::PlistValue* rl = p.Find(kReadingListFolder);
  if (rl == nullptr || !rl->is_dict()) return out;
  out.present = true;
  auto date = [&](std::string_view key) -> OptTime {
    const core::PlistValue* v = rl->Find(key);
    if (v == nullptr) return std::nullopt;
    if (auto d = v->AsDate()) return core::FromPlistDate(d->cocoa_seconds);
    return std::nullopt;
  };
  out.added = date("DateAdded");
  out.last_viewed = date("DateLastViewed");
  if (const core::PlistValue* v = rl->Find("PreviewText"); v && v->AsString()) out.preview = *v->AsString();
  return out;
}

void ParseBookmarks(const ParserInput& in, ParserContext& ctx) {
  const core::SqliteDb& db = *in.db;
  const auto missing = MissingColumns(db, "bookmarks", {"id", "title", "url", "parent", "type"});
  if (!missing.empty()) {
    ctx.Unsupported(in, "unknown Bookmarks.db schema (missing " + Join(missing) + "): bookmarks(" +
                            DescribeColumns(db, "bookmarks") + ")");
    return;
  }
  const bool has_extra = db.HasColumn("bookmarks", "extra_attributes");
  // One prefetch of folder titles (id → title) for the parent names.
  std::map<int64_t, OptString> titles;
  {
    auto st = db.Prepare("SELECT id, title FROM bookmarks WHERE type = 1");
    if (!st) {
      ctx.Corrupt(in, "bookmarks", "", st.error().message);
      return;
    }
    for (;;) {
      auto row = st->Step();
      if (!row || !*row) break;
      titles[st->Int(0)] = st->OptText(1);
    }
  }
  auto st = db.Prepare(std::string("SELECT id, title, url, parent, type, ") +
                       (has_extra ? "extra_attributes" : "NULL") + " FROM bookmarks ORDER BY id");
  if (!st) {
    ctx.Corrupt(in, "bookmarks", "", st.error().message);
    return;
  }
  for (;;) {
    auto row = st->Step();
    if (!row) {
      ctx.Corrupt(in, "bookmarks", "", "reading stopped: " + row.error().message);
      return;
    }
    if (!*row) break;
    const int64_t id = st->Int(0);
    const std::string rowid = std::to_string(id);
    Bookmark r;
    r.app = "Safari";
    r.source = in.Source("bookmarks", id);
    r.title = st->OptText(1);
    r.url = st->OptText(2);
    if (auto parent = st->OptInt(3)) {
      if (auto it = titles.find(*parent); it != titles.end()) r.folder = it->second;
    }
    const auto type = st->OptInt(4);
    ReadingList rl;
    if (st->ColumnType(5) == SQLITE_BLOB || st->ColumnType(5) == SQLITE_TEXT) {
      ByteSpan blob = st->ColumnType(5) == SQLITE_BLOB ? st->Blob(5) : AsBytes(st->Text(5));
      if (!blob.empty()) {
        auto decoded = DecodeExtraAttributes(blob, "bookmarks " + rowid + " extra_attributes");
        if (!decoded) {
          ctx.Corrupt(in, "bookmarks", rowid, decoded.error().message);
          continue;
        }
        rl = std::move(*decoded);
      }
    }
    if (type == 1) {
      r.bookmark_type = "folder";
    } else if (type == 0) {
      r.bookmark_type = rl.present || r.folder == kReadingListFolder ? "reading_list" : "bookmark";
    } else {
      // Not a type this parser knows: kept, and named by its stored value rather than guessed.
      r.bookmark_type = type ? "type " + std::to_string(*type) : "type NULL";
      ctx.Warning(in, "bookmarks row " + rowid + " has an unknown type; kept as '" + r.bookmark_type + "'");
    }
    r.time = rl.added;
    r.last_viewed = rl.last_viewed;
    r.preview_text = rl.preview;
    ctx.sink().Add(std::move(r));
  }
}

Status Parse(const ParserInputs& inputs, ParserContext& ctx) {
  for (const ParserInput& in : inputs.all()) {
    if (in.spec->name == "bookmarks") ParseBookmarks(in, ctx);
    else ParseHistory(in, ctx);
  }
  return {};
}

}  // namespace

// Safari stores visit_time as Cocoa seconds (REAL). iOS 26 changed the epoch to Unix seconds
// (abrignoni/iLEAPP #1699 for BrowserState, iLEAPP safariHistory.py for history_visits), so:
//   - iOS ≤ 25 (from Info.plist): always Cocoa. A magnitude test alone would misread genuine
//     Cocoa values from 2032 on (when they pass 978307200) as Unix, so it is not used here.
//   - iOS ≥ 26: Unix when the value is ≥ 978307200 (2001-01-01 as Unix; no visit on an iOS 26
//     device is older), Cocoa below it (rows written before the change keep their Cocoa value).
//   - iOS unknown: the same magnitude rule as iLEAPP (> 978307200 → Unix); the encoding kept in
//     the Timestamp says which reading was applied.
core::Timestamp VisitTime(double raw, int ios_major) {
  const bool unix_possible = ios_major == 0 || ios_major >= 26;
  if (unix_possible && raw >= static_cast<double>(core::kCocoaEpochUnixSeconds)) {
    return core::FromUnixSecondsReal(raw);
  }
  return core::FromCocoaSeconds(raw);
}

ParserModule SafariParser() {
  return ParserModule{
      "safari",
      "1.0",
      "Safari",
      {
          {"history", "*", "Library/Safari/History.db", InputSpec::Kind::kSqlite},
          {"history", "*", "Library/Safari/Profiles/*/History.db", InputSpec::Kind::kSqlite},
          {"bookmarks", "HomeDomain", "Library/Safari/Bookmarks.db", InputSpec::Kind::kSqlite},
      },
      Parse,
  };
}

}  // namespace mfx::parsers::safari

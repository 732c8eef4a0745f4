#include "parsers/calendar/calendar_parser.h"

namespace mfx::parsers::calendar {
namespace {

using core::SqliteDb;
using core::Statement;

constexpr std::string_view kItem = "CalendarItem";

std::string ColumnList(const SqliteDb& db, std::string_view table) {
  std::string out = std::string(table) + "(";
  bool first = true;
  for (const auto& c : db.Columns(table)) {
    out += (first ? "" : ", ") + c.name;
    first = false;
  }
  return out + ")";
}

std::string Missing(const SqliteDb& db, std::string_view table,
                    std::initializer_list<std::string_view> needed) {
  std::string out;
  for (std::string_view c : needed) {
    if (!db.HasColumn(table, c))
      out += (out.empty() ? "" : ", ") + std::string(table) + "." + std::string(c);
  }
  return out;
}

std::string Col(const SqliteDb& db, std::string_view table, std::string_view alias,
                std::string_view column) {
  return db.HasColumn(table, column) ? std::string(alias) + "." + std::string(column) : "NULL";
}

bool NumberOrNull(const Statement& s, int i) {
  const int t = s.ColumnType(i);
  return t == SQLITE_INTEGER || t == SQLITE_FLOAT || t == SQLITE_NULL;
}

// Cocoa seconds (REAL; a whole value may be stored as INTEGER). 0 = not set.
OptTime CocoaTime(const Statement& s, int i) {
  switch (s.ColumnType(i)) {
    case SQLITE_INTEGER:
      return core::FromCocoaSecondsInt(s.Int(i));
    case SQLITE_FLOAT:
      return core::FromCocoaSeconds(s.Real(i));
    default:
      return std::nullopt;
  }
}

Status ParseCalendar(const ParserInput& in, ParserContext& ctx) {
  const SqliteDb& db = *in.db;
  const std::string missing = Missing(db, kItem,
                                      {"summary", "description", "start_date", "start_tz", "end_date",
                                       "all_day", "calendar_id", "location_id"});
  if (!missing.empty()) {
    ctx.Unsupported(in, "unknown Calendar schema: missing " + missing + "; found " + ColumnList(db, kItem) +
                            ", " + ColumnList(db, "Calendar") + ", " + ColumnList(db, "Location"));
    return {};
  }
  // The events are CalendarItem's; a calendar's name and an event's place come from tables that a
  // damaged or trimmed database may lack: then those fields are null and the gap is said.
  const bool has_calendar = Missing(db, "Calendar", {"title"}).empty();
  const bool has_location = Missing(db, "Location", {"title", "address", "latitude", "longitude"}).empty();
  if (!has_calendar) {
    ctx.Warning(in, "no Calendar table with a title column: calendar names are not read; found " +
                        ColumnList(db, "Calendar"));
  }
  if (!has_location) {
    ctx.Warning(in, "no Location table with title, address, latitude, longitude: event locations are not "
                    "read; found " + ColumnList(db, "Location"));
  }
  const bool has_store = has_calendar && db.HasColumn("Calendar", "store_id") && db.HasColumn("Store", "name");
  const std::string sql =
      "SELECT ci.ROWID, ci.summary, ci.start_date, ci.start_tz, ci.end_date, ci.all_day, ci.description, " +
      std::string(has_calendar ? "c.title" : "NULL") + ", " +
      (has_location ? "l.title, l.address, l.latitude, l.longitude" : "NULL, NULL, NULL, NULL") + ", " +
      Col(db, kItem, "ci", "end_tz") + ", " + Col(db, kItem, "ci", "creation_date") + ", " +
      Col(db, kItem, "ci", "last_modified") + ", " + (has_store ? "st.name" : "NULL") + ", " +
      Col(db, kItem, "ci", "entity_type") + " FROM CalendarItem ci" +
      (has_calendar ? " LEFT JOIN Calendar c ON c.ROWID = ci.calendar_id" : "") +
      (has_location ? " LEFT JOIN Location l ON l.ROWID = ci.location_id" : "") +
      (has_store ? " LEFT JOIN Store st ON st.ROWID = c.store_id" : "") + " ORDER BY ci.ROWID";
  MFX_ASSIGN_OR_RETURN(Statement s, db.Prepare(sql));
  // Up to iOS 12 the same table holds reminders (tasks): entity_type 2 is an event, 3 a reminder
  // (the bits of Calendar.supported_entity_types: 4 events, 8 reminders). A reminder is not an
  // event — its start_date is usually null and its time is due_date — so it is left out, and said.
  constexpr int64_t kReminder = 3;
  int64_t reminders = 0;
  for (;;) {
    auto row = s.Step();
    if (!row) {
      ctx.Corrupt(in, kItem, "", "reading stopped: " + row.error().ToString());
      break;
    }
    if (!*row) break;
    const int64_t rowid = s.Int(0);
    if (s.ColumnType(16) == SQLITE_INTEGER && s.Int(16) == kReminder) {
      ++reminders;
      continue;
    }
    if (!NumberOrNull(s, 2) || !NumberOrNull(s, 4) || !NumberOrNull(s, 13) ||
        !NumberOrNull(s, 14)) {
      ctx.Corrupt(in, kItem, std::to_string(rowid),
                  "a date column is not a number (Cocoa seconds expected)");
      continue;
    }
    CalendarEvent e;
    e.app = "Calendar";
    e.source = in.Source(kItem, rowid);
    e.title = s.OptText(1);
    // start_date/end_date are Cocoa seconds. With start_tz "_float" the value is a wall-clock time
    // encoded as if it were UTC (all-day events; FORMATS §4): it is kept exactly as stored — the
    // instant below is that wall clock read as UTC, never shifted by any zone — and flagged.
    e.time = CocoaTime(s, 2);
    e.time_zone = s.OptText(3);
    if (e.time_zone) e.floating = *e.time_zone == "_float";
    e.end = CocoaTime(s, 4);
    if (!s.IsNull(5)) e.all_day = s.Int(5) != 0;
    e.description = s.OptText(6);
    e.calendar = s.OptText(7);
    e.location = s.IsNull(8) ? s.OptText(9) : s.OptText(8);
    e.location_address = s.OptText(9);
    e.latitude = s.OptReal(10);
    e.longitude = s.OptReal(11);
    e.end_time_zone = s.OptText(12);
    e.created = CocoaTime(s, 13);
    e.modified = CocoaTime(s, 14);
    e.account = s.OptText(15);
    ctx.sink().Add(std::move(e));
  }
  if (reminders > 0) {
    ctx.Warning(in, std::to_string(reminders) + " CalendarItem rows are reminders (entity_type 3), not events: "
                    "they are not in calendar_events, and mfx has no reminders parser yet");
  }
  return {};
}

Status Parse(const ParserInputs& inputs, ParserContext& ctx) {
  for (const ParserInput* in : inputs.Get("calendar")) MFX_RETURN_IF_ERROR(ParseCalendar(*in, ctx));
  return {};
}

}  // namespace

ParserModule CalendarParser() {
  return ParserModule{
      .name = "calendar",
      .version = "1.0",
      .app = "Calendar",
      .inputs = {{"calendar", "HomeDomain", "Library/Calendar/Calendar.sqlitedb",
                  InputSpec::Kind::kSqlite}},
      .parse = Parse,
  };
}

}  // namespace mfx::parsers::calendar

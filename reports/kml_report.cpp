#include "reports/kml_report.h"

#include <charconv>
#include <cmath>

#include "core/sqlite_db.h"
#include "reports/record_schema.h"
#include "reports/report_model.h"

namespace mfx::reports {
namespace {

std::string Coordinate(double v) {
  char buf[64];
  const auto r = std::to_chars(buf, buf + sizeof(buf), v);
  return std::string(buf, r.ptr);
}

// Rows whose coordinates can be placed (SQLite stores no NaN; ±Inf fails the range test).
constexpr const char* kPlaceable =
    "latitude IS NOT NULL AND longitude IS NOT NULL AND abs(latitude) <= 90 AND "
    "abs(longitude) <= 180";

bool HasField(const KindInfo& k, const char* name) {
  for (const FieldColumn& f : k.fields) {
    if (f.name == name && f.type == ColumnType::kReal) return true;
  }
  return false;
}

}  // namespace

std::string XmlEscape(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 16);
  for (size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    switch (c) {
      case '&': out += "&amp;"; continue;
      case '<': out += "&lt;"; continue;
      case '>': out += "&gt;"; continue;
      case '"': out += "&quot;"; continue;
      case '\'': out += "&apos;"; continue;
      default: break;
    }
    if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') {
      char buf[16];
      std::snprintf(buf, sizeof(buf), "[U+%04X]", c);
      out += buf;
      continue;
    }
    // U+FFFE / U+FFFF (EF BF BE / EF BF BF) are not XML characters.
    if (c == 0xEF && i + 2 < text.size() && static_cast<unsigned char>(text[i + 1]) == 0xBF &&
        (static_cast<unsigned char>(text[i + 2]) == 0xBE || static_cast<unsigned char>(text[i + 2]) == 0xBF)) {
      out += static_cast<unsigned char>(text[i + 2]) == 0xBE ? "[U+FFFE]" : "[U+FFFF]";
      i += 2;
      continue;
    }
    out += static_cast<char>(c);
  }
  return out;
}

Result<std::vector<std::string>> WriteKmlReport(const ReportContext& ctx) {
  MFX_ASSIGN_OR_RETURN(auto db, core::SqliteDb::OpenReadOnly(ctx.case_db, "case database"));
  MFX_ASSIGN_OR_RETURN(auto out, ReportOutput::Create(ctx, kLocationsKmlPath));
  const std::string case_number = ctx.folder.case_number();
  out.Write("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
            "<kml xmlns=\"http://www.opengis.net/kml/2.2\">\n<Document>\n");
  out.Write("<name>" + XmlEscape("Case " + case_number + " · " + ctx.report_id + " r" +
                                 std::to_string(ctx.revision) + " · locations") +
            "</name>\n");
  // Counted first: KML wants the document's description before its folders.
  int64_t to_place = 0;
  int64_t rejected = 0;
  for (const KindInfo& k : AllKinds()) {
    if (!HasField(k, "latitude") || !HasField(k, "longitude")) continue;
    const std::string t = "\"" + k.kind + "\"";
    MFX_ASSIGN_OR_RETURN(int64_t ok, db->QueryInt("SELECT count(*) FROM " + t + " WHERE " + kPlaceable));
    MFX_ASSIGN_OR_RETURN(int64_t all, db->QueryInt("SELECT count(*) FROM " + t +
                                                    " WHERE latitude IS NOT NULL AND longitude IS NOT NULL"));
    to_place += ok;
    rejected += all - ok;
  }
  std::string about = std::to_string(to_place) + " records with coordinates, from the case database " +
                      "(artifacts.sqlite) of case " + case_number + ". Times in UTC.";
  if (rejected > 0) {
    about += " " + std::to_string(rejected) +
             " records with coordinates outside ±90/±180 were not placed (see the case database).";
  }
  out.Write("<description>" + XmlEscape(about) + "</description>\n");
  int64_t placed = 0;
  for (const KindInfo& k : AllKinds()) {
    if (!HasField(k, "latitude") || !HasField(k, "longitude")) continue;
    MFX_ASSIGN_OR_RETURN(auto reader,
                         ReportRowReader::Open(*db, k, ctx.zone, -1, kPlaceable));
    ReportRow r;
    bool opened = false;
    for (;;) {
      MFX_ASSIGN_OR_RETURN(bool have, reader.Next(r));
      if (!have) break;
      if (!r.latitude || !r.longitude || !std::isfinite(*r.latitude) || !std::isfinite(*r.longitude) ||
          std::fabs(*r.latitude) > 90 || std::fabs(*r.longitude) > 180) {
        continue;  // counted above
      }
      if (!opened) {
        out.Write("<Folder>\n<name>" + XmlEscape(KindTitle(k.kind)) + "</name>\n");
        opened = true;
      }
      std::string desc;
      if (!r.utc.empty()) desc += "Time (UTC): " + r.utc + "\nTime (" + ctx.zone.name() + "): " + r.local + "\n";
      desc += "Coordinates: " + Coordinate(*r.latitude) + ", " + Coordinate(*r.longitude) + "\n";
      if (!r.parties.empty()) desc += r.parties + "\n";
      if (!r.content.empty()) desc += r.content + "\n";
      desc += "Source: " + r.source + "\nStatus: " + r.status + "\nRecord: " + k.kind + " #" +
              std::to_string(r.id) + " (artifacts.sqlite)";
      std::string pm = "<Placemark id=\"" + XmlEscape(k.kind + "-" + std::to_string(r.id)) + "\">\n<name>" +
                       XmlEscape(r.parties.empty() ? KindTitle(k.kind) + " #" + std::to_string(r.id) : r.parties) +
                       "</name>\n<description>" + XmlEscape(desc) + "</description>\n";
      if (!r.utc.empty()) pm += "<TimeStamp><when>" + XmlEscape(r.utc) + "</when></TimeStamp>\n";
      pm += "<Point><coordinates>" + Coordinate(*r.longitude) + "," + Coordinate(*r.latitude) +
            "</coordinates></Point>\n</Placemark>\n";
      out.Write(pm);
      ++placed;
    }
    if (opened) out.Write("</Folder>\n");
  }
  if (placed != to_place) {
    return Fail(ErrorCode::kInternal, std::string(kLocationsKmlPath) + ": placed " +
                                          std::to_string(placed) + " of " + std::to_string(to_place) +
                                          " records with coordinates");
  }
  out.Write("</Document>\n</kml>\n");
  MFX_ASSIGN_OR_RETURN(std::string rel, out.Close());
  return std::vector<std::string>{rel};
}

}  // namespace mfx::reports

// report/locations.kml: well-formed XML (parsed by Python's expat, an independent parser), one
// Placemark per record with coordinates in the case database, text escaped, times in UTC.
#include <catch2/catch.hpp>

#include "reports/kml_report.h"
#include "tests/reports/report_model_fixtures.h"

namespace mfx::reports {
namespace {

using testing::ReadAllText;
using testing::ShellQuote;
using testing::TempDir;
namespace fs = std::filesystem;

// {placemarks, placemarks with a TimeStamp, first name text} via xml.etree (fails on bad XML).
std::string ParseKml(const fs::path& kml) {
  const std::string script =
      "import sys, xml.etree.ElementTree as ET\n"
      "ns = {'k': 'http://www.opengis.net/kml/2.2'}\n"
      "root = ET.parse(sys.argv[1]).getroot()\n"
      "pms = root.findall('.//k:Placemark', ns)\n"
      "timed = [p for p in pms if p.find('k:TimeStamp/k:when', ns) is not None]\n"
      "bad = [p for p in pms if len(p.find('k:Point/k:coordinates', ns).text.split(',')) != 2]\n"
      "print(len(pms), len(timed), len(bad))\n"
      "for p in pms:\n"
      "  d = p.find('k:description', ns).text\n"
      "  if 'onerror' in d or 'ctl' in d: print('TEXT', d.split(chr(10))[4])\n";
  std::string out;
  const int rc = testing::RunCommand(std::string(MFX_PYTHON) + " -c " + ShellQuote(script) + " " +
                                         ShellQuote(kml.string()) + " 2>&1",
                                     &out);
  INFO(out);
  REQUIRE(rc == 0);
  return out;
}

TEST_CASE("locations.kml has one placemark per record with coordinates", "[reports][kml]") {
  const auto& c = testing::SharedAnalyzedCase();
  const fs::path kml = c.case_dir / "report" / "locations.kml";
  REQUIRE(fs::exists(kml));
  const fs::path db = c.case_dir / "artifacts.sqlite";
  int64_t expected = 0;
  for (const char* kind : {"photos", "messages", "calendar_events"}) {
    expected += testing::QueryInt(db, std::string("SELECT count(*) FROM ") + kind +
                                          " WHERE latitude IS NOT NULL AND longitude IS NOT NULL");
  }
  const int64_t timed = testing::QueryInt(
      db,
      "SELECT (SELECT count(*) FROM photos WHERE latitude IS NOT NULL AND longitude IS NOT NULL AND time IS NOT NULL)"
      " + (SELECT count(*) FROM messages WHERE latitude IS NOT NULL AND longitude IS NOT NULL AND time IS NOT NULL)"
      " + (SELECT count(*) FROM calendar_events WHERE latitude IS NOT NULL AND longitude IS NOT NULL AND time IS NOT NULL)");
  CHECK(expected > 0);  // the generator writes geotagged photos
  const std::string out = ParseKml(kml);
  CHECK(out.rfind(std::to_string(expected) + " " + std::to_string(timed) + " 0\n", 0) == 0);
  const std::string text = ReadAllText(kml);
  CHECK(text.find("<when>") != std::string::npos);
  CHECK(text.find("Source: ") != std::string::npos);
}

TEST_CASE("locations.kml escapes hostile text and leaves out impossible coordinates", "[reports][kml]") {
  TempDir tmp;
  testing::SyntheticOptions o;
  o.messages = 83;  // every 41st message has a shared location: 0, 41, 82
  o.photos = 7;     // 0, 3, 6 geotagged
  o.extra_texts = {"<img src=x onerror=alert(1)> & \"quotes\" ]]> ctl\x01\x1f end"};
  auto c = testing::MakeSyntheticCase(tmp / "CASE", o);
  // The extra message (index 83) is not a multiple of 41: give it coordinates by hand, and one
  // photo a latitude out of range.
  {
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open(c.db().c_str(), &db) == SQLITE_OK);
    REQUIRE(sqlite3_exec(db,
                         "UPDATE messages SET latitude = 1.5, longitude = -0.25 WHERE text LIKE '%onerror%';"
                         "UPDATE photos SET latitude = 123.0 WHERE id = (SELECT max(id) FROM photos WHERE latitude IS NOT NULL);",
                         nullptr, nullptr, nullptr) == SQLITE_OK);
    sqlite3_close(db);
  }
  const auto written = testing::WriteReports(c, {"kml"});
  REQUIRE(written == std::vector<std::string>{"report/locations.kml"});
  const fs::path kml = c.case_dir / "report" / "locations.kml";
  const int64_t placeable = c.with_coordinates + 1 - 1;  // +1 hostile message, -1 out-of-range photo
  const std::string out = ParseKml(kml);
  CHECK(out.rfind(std::to_string(placeable) + " " + std::to_string(placeable) + " 0\n", 0) == 0);
  // The hostile text came through as text (expat decoded the escapes), controls made visible.
  CHECK(out.find("<img src=x onerror=alert(1)> & \"quotes\" ]]> ctl[U+0001][U+001F] end") != std::string::npos);
  const std::string text = ReadAllText(kml);
  CHECK(text.find("<img") == std::string::npos);
  CHECK(text.find("1 records with coordinates outside") != std::string::npos);
  CHECK(text.find("<coordinates>-0.25,1.5</coordinates>") != std::string::npos);
}

TEST_CASE("XmlEscape", "[reports][kml]") {
  CHECK(XmlEscape("a<b>&\"'") == "a&lt;b&gt;&amp;&quot;&apos;");
  CHECK(XmlEscape("tab\tnl\ncr\r") == "tab\tnl\ncr\r");
  CHECK(XmlEscape(std::string("nul\0x", 5)) == "nul[U+0000]x");
  CHECK(XmlEscape("\xEF\xBF\xBE\xEF\xBF\xBF") == "[U+FFFE][U+FFFF]");
  CHECK(XmlEscape("ümlaut ✓ 👋") == "ümlaut ✓ 👋");
}

}  // namespace
}  // namespace mfx::reports

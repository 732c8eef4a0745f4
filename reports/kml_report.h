#pragma once
// report/locations.kml — every record of the case database that has coordinates (photos, shared
// locations in messages, calendar events with a geo location, and any later kind with latitude and
// longitude fields), one Placemark each, in one Folder per kind (KML 2.2).
//
// Placemark: name = kind title and the record's parties/title cell, description = times (UTC and
// the display zone), content and source (file · table · row · status) as plain text,
// TimeStamp/when = the record's UTC time when it has one, Point coordinates "lon,lat". Text is
// XML-escaped; characters XML 1.0 cannot carry (C0 controls other than TAB/LF/CR, U+FFFE/FFFF)
// are written visibly as "[U+0001]". A record with a coordinate outside ±90/±180 (or not a
// number) is not placed; it is counted in the document's description instead.

#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "reports/report_writers.h"

namespace mfx::reports {

inline constexpr const char* kLocationsKmlPath = "report/locations.kml";

Result<std::vector<std::string>> WriteKmlReport(const ReportContext& ctx);

// Text for XML character data and attribute values (see above).
std::string XmlEscape(std::string_view text);

}  // namespace mfx::reports

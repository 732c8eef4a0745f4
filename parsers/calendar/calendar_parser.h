#pragma once
// Calendar: HomeDomain Library/Calendar/Calendar.sqlitedb (FORMATS §5.13): CalendarItem joined to
// Calendar, Store and Location. Floating times (start_tz "_float", all-day events) are wall-clock
// values stored as if UTC: they are kept as stored, never shifted, and flagged floating (FORMATS
// §4).

#include "parsers/parser_module.h"

namespace mfx::parsers::calendar {

ParserModule CalendarParser();

}  // namespace mfx::parsers::calendar

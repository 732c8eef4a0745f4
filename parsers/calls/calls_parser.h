#pragma once
// Call history — Enc (FORMATS §5.5, §6): HomeDomain Library/CallHistoryDB/CallHistory.storedata
// (ZCALLRECORD, Core Data, iOS 8+) and the legacy WirelessDomain
// Library/CallHistory/call_history.db (table call, iOS ≤ 7). One Call record per row.

#include "parsers/parser_module.h"

namespace mfx::parsers::calls {

ParserModule CallsParser();

}  // namespace mfx::parsers::calls

#pragma once
// WhatsApp (AppDomainGroup-group.net.whatsapp.WhatsApp.shared, FORMATS.md §5.16):
//   ChatStorage.sqlite → Message records: ZWAMESSAGE joined with ZWACHATSESSION (chat),
//     ZWAGROUPMEMBER (sender of an incoming group message) and ZWAMEDIAITEM (media as attachments
//     resolved to Message/<ZMEDIALOCALPATH> in the same domain; coordinates of location messages);
//   CallHistory.sqlite → Call records: one per ZWACDCALLEVENT, with direction, video and the
//     missed flag from its ZWAAGGREGATECALLEVENT and the other side from
//     ZWACDCALLEVENTPARTICIPANT;
//   ContactsV2.sqlite → Contact records: one per ZWAADDRESSBOOKCONTACT row.
// Times are Cocoa seconds (Core Data TIMESTAMP). Each database is checked for the columns the
// parser reads; a database without them is reported unsupported with its column list.

#include "parsers/parser_module.h"

namespace mfx::parsers::whatsapp {

ParserModule WhatsAppParser();

}  // namespace mfx::parsers::whatsapp

#pragma once
// Messages (SMS / iMessage / RCS): HomeDomain Library/SMS/sms.db → Message records
// (FORMATS.md §5.3). One record per message row, tapbacks and group events included (their
// message_type says what they are); attachments via message_attachment_join → attachment, with
// backup_path set when the file is in MediaDomain; text from `text`, or decoded from the
// attributedBody typedstream when `text` is NULL (iOS 16+).
//
// Schema variants: iOS ≤ 10 (dates in Cocoa seconds, no associated_message_*, no
// chat_message_join.message_date), iOS 11–15 (dates in Cocoa nanoseconds), iOS 16+ (date_edited,
// date_retracted). Missing chat / handle / attachment tables are tolerated (the trimmed iOS 14
// sms.db has no chat and no message_attachment_join). A message table without date,
// is_from_me, handle_id or any text column is reported unsupported with its column list.

#include "parsers/parser_module.h"

namespace mfx::parsers::sms {

ParserModule SmsParser();

}  // namespace mfx::parsers::sms

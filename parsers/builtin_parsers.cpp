// The one explicit list of parser modules (no static self-registration): adding a parser means
// adding its header and one line here. Order = report order.
#include "parsers/runner.h"
#include "parsers/apps/apps_parser.h"
#include "parsers/device/device_parser.h"
#include "parsers/notes/notes_parser.h"
#include "parsers/photos/photos_parser.h"
#include "parsers/safari/safari_parser.h"
#include "parsers/wifi/wifi_parser.h"
#include "parsers/accounts/accounts_parser.h"
#include "parsers/calendar/calendar_parser.h"
#include "parsers/calls/calls_parser.h"
#include "parsers/contacts/contacts_parser.h"
#include "parsers/voicemail/voicemail_parser.h"
#include "parsers/sms/sms_parser.h"
#include "parsers/whatsapp/whatsapp_parser.h"

namespace mfx::parsers {

const std::vector<ParserModule>& BuiltinParsers() {
  static const std::vector<ParserModule> kModules = {
      contacts::ContactsParser(),
      calls::CallsParser(),
      voicemail::VoicemailParser(),
      calendar::CalendarParser(),
      accounts::AccountsParser(),
      sms::SmsParser(),
      whatsapp::WhatsAppParser(),
      device::DeviceParser(),
      apps::AppsParser(),
      safari::SafariParser(),
      notes::NotesParser(),
      photos::PhotosParser(),
      wifi::WifiParser(),
  };
  return kModules;
}

}  // namespace mfx::parsers

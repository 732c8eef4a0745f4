#pragma once
// Contacts: HomeDomain Library/AddressBook/AddressBook.sqlitedb (FORMATS §5.4).
// One Contact record per ABPerson row, with every phone (property 3), e-mail (4), address (5,
// parts in ABMultiValueEntry) and URL (22) and their labels. The full-text-search table uses
// the device-only tokenizer ab_cf_tokenizer and is never touched (FORMATS §3.5).

#include "parsers/parser_module.h"

namespace mfx::parsers::contacts {

ParserModule ContactsParser();

}  // namespace mfx::parsers::contacts

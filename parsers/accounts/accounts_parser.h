#pragma once
// Accounts: HomeDomain Library/Accounts/Accounts3.sqlite (FORMATS §5.19): ZACCOUNT joined to
// ZACCOUNTTYPE and to its parent account; ZDATE is Cocoa seconds.

#include "parsers/parser_module.h"

namespace mfx::parsers::accounts {

ParserModule AccountsParser();

}  // namespace mfx::parsers::accounts

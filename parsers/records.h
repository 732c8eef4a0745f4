#pragma once
// The typed records every parser produces, one struct per record kind (CONTRACT.md "Records").
//
// Each record has the common fields (app, time, source, deleted) and names its own fields once in
// VisitFields(v), in export order: v("name", value). Exporters, the case database and the reports
// walk that list; nothing else spells field names. Field names and meanings of CONTRACT.md are
// fixed; more fields may be added at the end of a kind.
//
// Field value types a visitor must accept: std::string, std::optional<std::string>, int64_t,
// std::optional<int64_t>, std::optional<double>, bool, std::optional<bool>,
// std::optional<core::Timestamp>, std::vector<std::string>, std::vector<Attachment>,
// std::vector<EditVersion>.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/time.h"
#include "parsers/provenance.h"

namespace mfx::parsers {

using OptString = std::optional<std::string>;
using OptTime = std::optional<core::Timestamp>;

struct RecordBase {
  std::string app;   // "Messages", "WhatsApp", "Phone", "FaceTime", "Safari", …
  OptTime time;      // the record's primary moment (CONTRACT.md "time")
  Provenance source;
  bool deleted = false;  // recovered from free pages, a WAL frame or a journal
  std::string parser;    // "sms/1.0": set by the runner, not by parsers
};

struct Attachment {
  std::string name;       // what the user saw (transfer_name)
  OptString mime_type;
  OptString path;         // as the database stores it (~/Library/SMS/Attachments/…)
  OptString backup_path;  // "MediaDomain/Library/SMS/Attachments/…" when present in the backup
  std::optional<int64_t> size;
};

// One version of an edited iMessage part, from message_summary_info "ec" (iOS 16+): every version
// the sender sent, the first one included, oldest first.
struct EditVersion {
  int64_t part = 0;  // the message part it belongs to (0 for a one-part message)
  OptTime time;      // when this version was sent ("d", Cocoa seconds)
  OptString text;    // its text ("t", an attributedBody typedstream); null when not decodable
};

struct Message : RecordBase {
  static constexpr std::string_view kKind = "messages";
  OptString direction;  // "incoming" / "outgoing"; null when the source does not tell
  OptString party;        // other side's handle; group chats: the sender of an incoming message
  OptString chat;         // chat identifier
  OptString service;      // "iMessage", "SMS", "RCS", "WhatsApp"; null when the source does not say
  OptString text;         // full text, including text present only in attributedBody
  OptTime read_time;
  std::vector<Attachment> attachments;
  OptTime delivered_time;
  OptString guid;
  OptString chat_name;              // display name of a group chat
  std::vector<std::string> chat_participants;
  OptString text_source;            // "text", "attributedBody", "ZTEXT", …
  OptString message_type;           // e.g. "text", "image", "location", "tapback", "group event"
  std::optional<double> latitude;   // shared locations
  std::optional<double> longitude;
  OptString associated_guid;  // sms.db associated_message_guid as stored ("p:0/<guid>"): the
                              // message a tapback or sticker refers to
  OptString reaction;         // tapbacks: "love", "like", …, "love removed"
  OptTime edited_time;        // iOS 16+ date_edited
  OptTime retracted_time;     // iOS 16+ date_retracted (unsent)
  std::vector<EditVersion> edit_history;    // iOS 16+ message_summary_info "ec"
  std::vector<std::string> unsent_parts;    // iOS 16+ message_summary_info "rp": parts unsent

  template <class V>
  void VisitFields(V&& v) const {
    v("direction", direction);
    v("party", party);
    v("chat", chat);
    v("service", service);
    v("text", text);
    v("read_time", read_time);
    v("attachments", attachments);
    v("delivered_time", delivered_time);
    v("guid", guid);
    v("chat_name", chat_name);
    v("chat_participants", chat_participants);
    v("text_source", text_source);
    v("message_type", message_type);
    v("latitude", latitude);
    v("longitude", longitude);
    v("associated_guid", associated_guid);
    v("reaction", reaction);
    v("edited_time", edited_time);
    v("retracted_time", retracted_time);
    v("edit_history", edit_history);
    v("unsent_parts", unsent_parts);
  }
};

struct Contact : RecordBase {
  static constexpr std::string_view kKind = "contacts";
  OptString first_name;
  OptString last_name;
  OptString organization;
  std::vector<std::string> phones;
  std::vector<std::string> emails;
  OptString middle_name;
  OptString nickname;
  OptString job_title;
  OptString department;
  OptString note;
  std::vector<std::string> phone_labels;  // parallel to phones ("Mobile", "TextNow", …)
  std::vector<std::string> email_labels;  // parallel to emails
  std::vector<std::string> addresses;
  std::vector<std::string> urls;
  OptTime modified;
  OptString birthday;
  OptString birthday_raw;  // ABPerson.Birthday as stored (Cocoa seconds as text)
  std::vector<std::string> address_labels;  // parallel to addresses
  std::vector<std::string> url_labels;      // parallel to urls
  OptString display_name;
  std::vector<std::string> im_ids;  // messenger identifiers (WhatsApp JID "…@s.whatsapp.net")
  OptString status_text;  // a messenger's status line (WhatsApp "About": ZABOUTTEXT)
  OptTime status_time;    // when it was set (ZABOUTTIMESTAMP)

  template <class V>
  void VisitFields(V&& v) const {
    v("first_name", first_name);
    v("last_name", last_name);
    v("organization", organization);
    v("phones", phones);
    v("emails", emails);
    v("middle_name", middle_name);
    v("nickname", nickname);
    v("job_title", job_title);
    v("department", department);
    v("note", note);
    v("phone_labels", phone_labels);
    v("email_labels", email_labels);
    v("addresses", addresses);
    v("urls", urls);
    v("modified", modified);
    v("birthday", birthday);
    v("birthday_raw", birthday_raw);
    v("address_labels", address_labels);
    v("url_labels", url_labels);
    v("display_name", display_name);
    v("im_ids", im_ids);
    v("status_text", status_text);
    v("status_time", status_time);
  }
};

struct Call : RecordBase {
  static constexpr std::string_view kKind = "calls";
  OptString party;
  OptString direction;  // "incoming" / "outgoing"; null when the source does not tell
  std::optional<bool> answered;
  std::optional<double> duration_s;
  std::string call_type;  // "voice" / "video"; "unknown" where the source cannot tell (legacy db)
  OptString service;      // "Phone", "FaceTime", "WhatsApp", third-party provider
  OptString name;         // cached name
  OptString country_code;
  OptString disconnected_cause;
  OptTime end_time;
  OptString service_provider;           // ZSERVICE_PROVIDER as stored
  std::optional<int64_t> call_type_raw;  // ZCALLTYPE, or legacy call.flags
  OptString location;                  // ZLOCATION (carrier-derived place)
  OptString unique_id;

  template <class V>
  void VisitFields(V&& v) const {
    v("party", party);
    v("direction", direction);
    v("answered", answered);
    v("duration_s", duration_s);
    v("call_type", call_type);
    v("service", service);
    v("name", name);
    v("country_code", country_code);
    v("disconnected_cause", disconnected_cause);
    v("end_time", end_time);
    v("service_provider", service_provider);
    v("call_type_raw", call_type_raw);
    v("location", location);
    v("unique_id", unique_id);
  }
};

struct WebHistory : RecordBase {
  static constexpr std::string_view kKind = "web_history";
  std::string url;
  OptString title;
  std::optional<int64_t> visit_count;
  OptString profile;  // Safari profile (iOS 17+), or browser profile
  std::optional<bool> load_successful;
  std::optional<int64_t> origin;  // history_visits.origin as stored (0 = visited on this device)

  template <class V>
  void VisitFields(V&& v) const {
    v("url", url);
    v("title", title);
    v("visit_count", visit_count);
    v("profile", profile);
    v("load_successful", load_successful);
    v("origin", origin);
  }
};

struct Bookmark : RecordBase {
  static constexpr std::string_view kKind = "bookmarks";
  OptString title;
  OptString url;
  OptString folder;
  std::string bookmark_type;  // "bookmark", "reading_list", "folder"
  OptString preview_text;     // reading list: PreviewText of extra_attributes
  OptTime last_viewed;        // reading list: DateLastViewed

  template <class V>
  void VisitFields(V&& v) const {
    v("title", title);
    v("url", url);
    v("folder", folder);
    v("bookmark_type", bookmark_type);
    v("preview_text", preview_text);
    v("last_viewed", last_viewed);
  }
};

struct Note : RecordBase {
  static constexpr std::string_view kKind = "notes";
  OptString title;
  OptString text;  // the whole body; null for a locked note
  OptTime modified;
  OptString folder;
  OptString account;
  bool locked = false;
  OptString snippet;
  std::vector<std::string> attachments;  // identifiers / UTIs of embedded objects
  bool marked_for_deletion = false;      // ZMARKEDFORDELETION (in "Recently Deleted")
  OptString password_hint;               // locked notes: ZPASSWORDHINT
  OptString body_error;  // why `text` is null for a note that is not locked (its body is damaged)

  template <class V>
  void VisitFields(V&& v) const {
    v("title", title);
    v("text", text);
    v("modified", modified);
    v("folder", folder);
    v("account", account);
    v("locked", locked);
    v("snippet", snippet);
    v("attachments", attachments);
    v("marked_for_deletion", marked_for_deletion);
    v("password_hint", password_hint);
    v("body_error", body_error);
  }
};

struct CalendarEvent : RecordBase {
  static constexpr std::string_view kKind = "calendar_events";
  OptString title;
  OptTime end;
  OptString location;
  std::optional<bool> all_day;
  OptString calendar;
  OptString description;
  OptString time_zone;  // start_tz as stored; "_float" = floating wall-clock time
  std::optional<double> latitude;
  std::optional<double> longitude;
  OptString location_address;
  std::optional<bool> floating;  // start_tz "_float": wall-clock time stored as if UTC
  OptString end_time_zone;
  OptTime created;
  OptTime modified;
  OptString account;  // Store.name

  template <class V>
  void VisitFields(V&& v) const {
    v("title", title);
    v("end", end);
    v("location", location);
    v("all_day", all_day);
    v("calendar", calendar);
    v("description", description);
    v("time_zone", time_zone);
    v("latitude", latitude);
    v("longitude", longitude);
    v("location_address", location_address);
    v("floating", floating);
    v("end_time_zone", end_time_zone);
    v("created", created);
    v("modified", modified);
    v("account", account);
  }
};

struct Photo : RecordBase {
  static constexpr std::string_view kKind = "photos";
  OptString filename;
  std::optional<double> latitude;   // null when the asset has no location (-180 on disk)
  std::optional<double> longitude;
  OptString directory;
  OptString media_type;  // "photo", "video"
  OptTime added;
  OptTime modified;
  std::optional<bool> hidden;
  std::optional<bool> trashed;
  std::optional<bool> favorite;
  std::vector<std::string> albums;
  OptString original_filename;
  OptString uuid;
  OptString backup_path;
  std::optional<int64_t> timezone_offset_s;
  OptString creator_bundle_id;
  OptTime trashed_time;          // ZTRASHEDDATE
  OptString timezone_name;       // ZADDITIONALASSETATTRIBUTES.ZTIMEZONENAME

  template <class V>
  void VisitFields(V&& v) const {
    v("filename", filename);
    v("latitude", latitude);
    v("longitude", longitude);
    v("directory", directory);
    v("media_type", media_type);
    v("added", added);
    v("modified", modified);
    v("hidden", hidden);
    v("trashed", trashed);
    v("favorite", favorite);
    v("albums", albums);
    v("original_filename", original_filename);
    v("uuid", uuid);
    v("backup_path", backup_path);
    v("timezone_offset_s", timezone_offset_s);
    v("creator_bundle_id", creator_bundle_id);
    v("trashed_time", trashed_time);
    v("timezone_name", timezone_name);
  }
};

struct WifiNetwork : RecordBase {
  static constexpr std::string_view kKind = "wifi_networks";
  OptString ssid;
  OptString bssid;
  OptTime added;
  OptTime joined_by_user;
  OptTime joined_by_system;
  OptString security;
  std::vector<std::string> bssids;  // every BSSID the network is known with (BSSList)
  OptTime updated;                  // UpdatedAt
  OptTime password_modified;        // WiFiNetworkPasswordModificationDate

  template <class V>
  void VisitFields(V&& v) const {
    v("ssid", ssid);
    v("bssid", bssid);
    v("added", added);
    v("joined_by_user", joined_by_user);
    v("joined_by_system", joined_by_system);
    v("security", security);
    v("bssids", bssids);
    v("updated", updated);
    v("password_modified", password_modified);
  }
};

struct App : RecordBase {
  static constexpr std::string_view kKind = "apps";
  std::string bundle_id;
  OptString name;
  OptString version;
  OptString vendor;
  OptString apple_id;
  OptString source_app;
  std::vector<std::string> seen_in;  // "Info.plist", "Manifest.plist", "backup domains"
  OptTime installed;                 // iTunesMetadata storeCohort "date=" (Unix ms or s)
  OptTime purchased;                 // iTunesMetadata purchaseDate

  template <class V>
  void VisitFields(V&& v) const {
    v("bundle_id", bundle_id);
    v("name", name);
    v("version", version);
    v("vendor", vendor);
    v("apple_id", apple_id);
    v("source_app", source_app);
    v("seen_in", seen_in);
    v("installed", installed);
    v("purchased", purchased);
  }
};

struct Account : RecordBase {
  static constexpr std::string_view kKind = "accounts";
  OptString username;
  OptString description;
  OptString account_type;
  OptString identifier;
  OptString owning_bundle_id;
  OptString account_type_identifier;  // ZACCOUNTTYPE.ZIDENTIFIER
  OptString parent_identifier;        // ZIDENTIFIER of ZPARENTACCOUNT
  std::optional<bool> active;

  template <class V>
  void VisitFields(V&& v) const {
    v("username", username);
    v("description", description);
    v("account_type", account_type);
    v("identifier", identifier);
    v("owning_bundle_id", owning_bundle_id);
    v("account_type_identifier", account_type_identifier);
    v("parent_identifier", parent_identifier);
    v("active", active);
  }
};

struct Voicemail : RecordBase {
  static constexpr std::string_view kKind = "voicemails";
  OptString party;
  std::optional<double> duration_s;
  OptString callback_number;
  OptTime trashed_time;
  OptString backup_path;  // the audio file in the backup
  OptString receiver;  // iOS 15+
  OptString label;     // iOS 15+
  std::optional<int64_t> flags;  // as stored

  template <class V>
  void VisitFields(V&& v) const {
    v("party", party);
    v("duration_s", duration_s);
    v("callback_number", callback_number);
    v("trashed_time", trashed_time);
    v("backup_path", backup_path);
    v("receiver", receiver);
    v("label", label);
    v("flags", flags);
  }
};

struct DeviceInfo : RecordBase {
  static constexpr std::string_view kKind = "device_info";
  OptString device_name;
  OptString udid;
  OptString serial_number;
  OptString product_type;
  OptString ios_version;
  OptString build_version;
  OptString imei;
  OptString imei2;
  OptString meid;
  OptString iccid;
  OptString phone_number;
  OptString product_name;
  OptString itunes_version;
  std::optional<bool> passcode_set;  // Manifest.plist WasPasscodeSet

  template <class V>
  void VisitFields(V&& v) const {
    v("device_name", device_name);
    v("udid", udid);
    v("serial_number", serial_number);
    v("product_type", product_type);
    v("ios_version", ios_version);
    v("build_version", build_version);
    v("imei", imei);
    v("imei2", imei2);
    v("meid", meid);
    v("iccid", iccid);
    v("phone_number", phone_number);
    v("product_name", product_name);
    v("itunes_version", itunes_version);
    v("passcode_set", passcode_set);
  }
};

// The one list of record types; X(Type) for each.
#define MFX_RECORD_TYPES(X) \
  X(Message)                \
  X(Contact)                \
  X(Call)                   \
  X(WebHistory)             \
  X(Bookmark)               \
  X(Note)                   \
  X(CalendarEvent)          \
  X(Photo)                  \
  X(WifiNetwork)            \
  X(App)                    \
  X(Account)                \
  X(Voicemail)              \
  X(DeviceInfo)

}  // namespace mfx::parsers

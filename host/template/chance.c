/* What chance.js 1.1.13 (the version mgeneratejs 0.6.0 installs) has: every function name, for
 * `{{chance.FN(...)}}` string templates (strtpl.c), and the functions that are utilities rather
 * than generators, with what mgeneratejs does when a template names one as "$FN" (it calls
 * chance[FN](options) and fails or writes chance's internals), for the compiler's message in
 * place of "unknown operator" (compile.c). The list is chance's own (Object keys of
 * require("chance").Chance() that are functions); lookups happen at compile time only. */
#include <string.h>

#include "template/node.h"

static const char *const CHANCE_FUNCTIONS[] = {
    "random", "bool", "falsy", "animal", "character", "floating", "integer", "natural", "prime",
    "is_prime", "hex", "letter", "string", "template", "buffer", "capitalize", "mixin", "unique",
    "n", "pad", "pick", "pickone", "pickset", "shuffle", "weighted", "paragraph", "sentence",
    "syllable", "word", "emoji", "age", "birthday", "cpf", "cnpj", "first", "profession",
    "company", "gender", "last", "israelId", "mrz", "name", "name_prefixes", "prefix",
    "name_prefix", "HIDN", "ssn", "aadhar", "name_suffixes", "suffix", "name_suffix",
    "nationalities", "nationality", "zodiac", "android_id", "apple_token", "wp8_anid2",
    "wp7_anid", "bb_pin", "avatar", "color", "domain", "email", "fbid", "google_analytics",
    "hashtag", "ip", "ipv6", "klout", "mac", "semver", "tlds", "tld", "twitter", "url", "port",
    "locale", "locales", "loremPicsum", "address", "altitude", "areacode", "city", "coordinates",
    "countries", "country", "depth", "geohash", "geojson", "latitude", "longitude", "phone",
    "postal", "postcode", "counties", "county", "provinces", "province", "state", "states",
    "street", "street_suffix", "street_suffixes", "zip", "ampm", "date", "hammertime", "hour",
    "millisecond", "second", "minute", "month", "months", "timestamp", "weekday", "year", "cc",
    "cc_types", "cc_type", "currency_types", "currency", "timezones", "timezone",
    "currency_pair", "dollar", "euro", "exp", "exp_month", "exp_year", "vat", "iban", "it_vat",
    "cf", "pl_pesel", "pl_nip", "pl_regon", "music_genre", "note", "midi_note", "chord_quality",
    "chord", "tempo", "coin", "d4", "d6", "d8", "d10", "d12", "d20", "d30", "d100", "rpg",
    "guid", "hash", "luhn_check", "luhn_calculate", "md5", "file", "fileWithContent", "get",
    "mac_address", "normal", "normal_pool", "radio", "set", "tv", "emotion",
    "mersenne_twister", "blueimp_md5",
};

/* What mgeneratejs 0.6.0 does with {"$FN": {}} (checked by running it). */
static const struct {
  const char *name, *mgeneratejs_does;
} UTILITIES[] = {
    {"mixin", "writes chance's internal state"},
    {"buffer", "writes a Buffer object"},
    {"template", "writes an empty string"},
    {"mersenne_twister", "writes the generator's internal state"},
    {"blueimp_md5", "writes an empty object"},
    {"capitalize", "fails with a JavaScript error"},
    {"pickone", "writes undefined"},
    {"weighted", "fails with a JavaScript error"},
    {"shuffle", "fails with a JavaScript error"},
    {"pad", "fails with a JavaScript error"},
    {"n", "fails with a JavaScript error"},
    {"unique", "fails with a JavaScript error"},
    {"get", "fails with a JavaScript error"},
    {"set", "writes undefined"},
    {"normal_pool", "fails with a JavaScript error"},
    {"md5", "fails with a JavaScript error"},
    {"rpg", "fails with a JavaScript error"},
    {"music_genre", "fails with a JavaScript error"},
    {"name_prefixes", "fails with a JavaScript error"},
    {"fileWithContent", "fails with a JavaScript error"},
};

bool asr_tpl_chance_has(const char *name) {
  for (size_t i = 0; i < sizeof CHANCE_FUNCTIONS / sizeof *CHANCE_FUNCTIONS; i++)
    if (strcmp(CHANCE_FUNCTIONS[i], name) == 0) return true;
  return false;
}

const char *asr_tpl_chance_utility(const char *name) {
  for (size_t i = 0; i < sizeof UTILITIES / sizeof *UTILITIES; i++)
    if (strcmp(UTILITIES[i].name, name) == 0) return UTILITIES[i].mgeneratejs_does;
  return NULL;
}

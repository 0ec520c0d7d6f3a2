-- asrun.gen: templates as Lua tables, require("asrun.gen") (docs/templates.md, "Templates in
-- Lua"). A constructor returns a marker meaning one template operator:
--   gen.integer{min = 1, max = 10}   ->  {"$integer": {"min": 1, "max": 10}}
--   gen.objectid()                   ->  "$objectid"
-- Options may hold other gen values. Plain Lua values are literals; a plain Lua function is a
-- custom operator, called as fn(rng, opts) for each document. Plain tables are objects (keys
-- written "_id" first, then sorted) or, when they are sequences, arrays; gen.fields keeps the
-- order given. The host turns the table into template JSON (asrun.core.template_json) and
-- compiles that like any JSON template: no Lua runs per document except custom operators.
local core = require("asrun.core")

local gen = {}

-- Markers: the C walk (host/lua/ltemplate.c) recognizes them by __asrun_gen.
local op_mt = { __asrun_gen = "op", __name = "asrun.gen" }
local fields_mt = { __asrun_gen = "fields", __name = "asrun.gen.fields" }

op_mt.__tostring = function(m) return "gen." .. m.op .. "{...}" end

-- gen.op(name[, opts]): any operator by name (without '$'), including the strategy's custom
-- operators: gen.op("vin", {country = "FR"}) -> {"$vin": {"country": "FR"}}.
function gen.op(name, opts)
  if type(name) ~= "string" or name == "" then
    error("gen.op: the operator name must be a non-empty string", 2)
  end
  if opts ~= nil and type(opts) ~= "table" then
    error("gen." .. name .. ": options must be a table, got " .. type(opts), 2)
  end
  return setmetatable({ op = name, opts = opts }, op_mt)
end

-- The operators of docs/templates.md, each as gen.<name>([opts]).
local OPERATORS = {
  -- mgeneratejs
  "array", "choose", "inc", "join", "pick", "pickset", "coordinates", "point", "linestring",
  "polygon", "geometries", "binary", "date", "now", "maxkey", "minkey", "numberDecimal",
  "numberLong", "numberInt", "objectid", "oid", "regex", "timestamp", "missing",
  -- chance.js
  "string", "integer", "number", "floating", "bool", "character", "name", "first", "last",
  "email", "phone", "word", "sentence", "paragraph", "ip", "url", "domain", "address", "street",
  "city", "state", "country", "zip", "age", "year", "month", "weekday", "guid", "uuid", "hash",
  "color", "company", "currency",
  -- chance.js people and finance (host/template/ops_people.c, ops_finance.c)
  "random", "falsy", "animal", "natural", "prime", "is_prime", "hex", "letter", "syllable",
  "emoji", "birthday", "cpf", "cnpj", "profession", "gender", "israelId", "mrz", "prefix",
  "name_prefix", "HIDN", "ssn", "aadhar", "name_suffixes", "suffix", "name_suffix",
  "nationalities", "nationality", "zodiac", "emotion", "cc", "cc_types", "cc_type",
  "currency_types", "currency_pair", "dollar", "euro", "exp", "exp_month", "exp_year", "vat",
  "iban", "it_vat", "cf", "pl_pesel", "pl_nip", "pl_regon", "luhn_check", "luhn_calculate",
  -- chance.js: web, places, time, music and games (docs/templates.md)
  "android_id", "apple_token", "wp8_anid2", "wp7_anid", "bb_pin", "avatar", "fbid",
  "google_analytics", "hashtag", "ipv6", "klout", "mac", "mac_address", "semver", "tlds", "tld",
  "twitter", "port", "locale", "locales", "loremPicsum", "file", "altitude", "areacode",
  "countries", "county", "counties", "depth", "geohash", "geojson", "latitude", "longitude",
  "postal", "postcode", "provinces", "province", "states", "street_suffix", "street_suffixes",
  "ampm", "hammertime", "hour", "millisecond", "second", "minute", "months", "timezones",
  "timezone", "note", "midi_note", "chord_quality", "chord", "tempo", "coin", "d4", "d6", "d8",
  "d10", "d12", "d20", "d30", "d100", "normal", "gauss", "radio", "tv",
  -- asrun
  "field", "partition", "ref",
}

for _, name in ipairs(OPERATORS) do
  gen[name] = function(opts)
    if opts ~= nil and type(opts) ~= "table" then
      error("gen." .. name .. ": options must be a table, got " .. type(opts), 2)
    end
    return setmetatable({ op = name, opts = opts }, op_mt)
  end
end

-- gen.fields{{"b", v1}, {"a", v2}}: an object whose keys keep this order.
function gen.fields(pairs_list)
  if type(pairs_list) ~= "table" then
    error("gen.fields: expected a list of {key, value} pairs, got " .. type(pairs_list), 2)
  end
  for i, p in ipairs(pairs_list) do
    if type(p) ~= "table" or type(p[1]) ~= "string" or p[2] == nil then
      error("gen.fields: item " .. i .. " must be a {key, value} pair", 2)
    end
  end
  return setmetatable(pairs_list, fields_mt)
end

-- gen.is_gen(v): whether v is a gen marker (an operator or gen.fields).
function gen.is_gen(v)
  local mt = type(v) == "table" and getmetatable(v)
  return mt == op_mt or mt == fields_mt
end

-- gen.json(template[, fns]) -> JSON text, fns: what the host compiles, and the plain functions
-- found ("$__lua_fn_K" is fns[K]).
gen.json = core.template_json

-- gen.generate(template, seed, index[, operators]) -> document: one document of a Lua or JSON
-- template through the C compiler, for tests and exploration. operators: custom operators by
-- name (a Lua template's own functions are included automatically). now_ms: the clock of
-- $now and $objectid (default: the time of the call).
function gen.generate(template, seed, index, operators, now_ms)
  local json, ops = template, {}
  if type(template) == "table" then
    local fns
    json, fns = core.template_json(template)
    for k, f in ipairs(fns) do ops[k] = f end
  end
  for name, f in pairs(operators or {}) do ops[name] = f end
  if next(ops) == nil then ops = nil end
  local doc, err = core.template_generate(json, seed, index, ops, now_ms)
  if doc == nil then error(err, 2) end
  return doc
end

return gen

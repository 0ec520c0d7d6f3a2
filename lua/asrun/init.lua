-- asrun: the public Lua module, require("asrun"), in strategies, policies and specs.
-- Pure Lua on top of the C core (asrun.core, host/lua/lasrun.c); more submodules (policies,
-- stats, profiles) hang off this table as they are written.
--
-- Documents reach transform(doc) as tables (see host/lua/lconv.c for the mapping):
-- strings, booleans, numbers and nested tables as themselves, BSON null as asrun.null,
-- arrays marked with asrun.array_mt, other BSON types as typed values (asrun.objectid(),
-- asrun.date(), ...). Key order and int64-ness of decoded fields are kept.
local core = require("asrun.core")

local asrun = {
  version = core.version,

  -- BSON bytes <-> tables
  bson = {
    encode = core.bson_encode, -- (t) -> string; raises naming the bad field
    -- (s [, "lazy"]) -> table | nil, msg, "EDATA"; "lazy": as transform(doc) gets it
    decode = core.bson_decode,
  },

  -- values with no plain Lua counterpart
  null = core.null,
  minkey = core.minkey,
  maxkey = core.maxkey,
  undefined = core.undefined,
  objectid = core.objectid,     -- ([hex]) new or parsed ObjectId
  date = core.date,             -- ([ms]) milliseconds since the epoch; now without ms
  decimal128 = core.decimal128, -- (str)
  binary = core.binary,         -- (bytes [, subtype])
  regex = core.regex,           -- (pattern [, options])
  timestamp = core.timestamp,   -- (t, i)
  int64 = core.int64,           -- (n) stored as int64 even when it fits in int32

  -- arrays
  array_mt = core.array_mt,
  array = core.array,           -- ([t]) -> t marked as an array
  is_array = core.is_array,

  -- declarative field operations in C, for transform = asrun.fields{ rename = {a = "b"},
  -- drop = {"c"}, set = {d = 1}, copy = {e = "f"}, convert = {g = "int64"}, after = fn }
  -- (README "Field operations"); callable on a document table too
  fields = core.fields,

  -- the run's performance summary (the table on_finish receives); nil before the end
  summary = core.summary,

  -- ([name]) the scaling settings of a built-in profile (default "balanced"), as a policy
  -- finds them in state.config
  profile = core.profile,

  core = core,
}

-- (over) -> a snapshot as a policy's decide gets it: every field the host fills, 0 unless
-- `over` says otherwise (floats where the host gives floats); for specs of a policy of your
-- own (strategies/custom_policy_spec.lua). Fields: docs/policies.md, "Snapshot".
function asrun.snapshot(over)
  local s = {}
  for name, kind in pairs(core.snapshot_fields()) do s[name] = kind == "integer" and 0 or 0.0 end
  for k, v in pairs(over or {}) do
    if s[k] == nil then error("asrun.snapshot: no snapshot field '" .. tostring(k) .. "'", 2) end
    s[k] = v
  end
  return s
end

-- the auto-scaler's policies (asrun.policies.get("usl")) and their statistics helpers
asrun.policies = require("asrun.policies")
asrun.stats = require("asrun.stats")

return asrun

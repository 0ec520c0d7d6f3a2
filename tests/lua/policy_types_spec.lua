-- The policy API's annotations for editors (lua/asrun/meta/policy.lua, LuaLS ---@class) say
-- what the host fills: the same snapshot fields with the same types; the file is Lua that
-- lua5.4 loads; and asrun.snapshot builds complete snapshots from that same list.
local asrun = require("asrun")

local META = (os.getenv("ASRUN_ROOT") or ".") .. "/lua/asrun/meta/policy.lua"

-- The ---@field lines of ---@class NAME: {field = type}.
local function class_fields(name)
  local fields, inside = {}, false
  for line in io.lines(META) do
    local class = line:match("^%-%-%-@class ([%w%.]+)")
    if class then inside = class == name
    elseif inside then
      local field, ty = line:match("^%-%-%-@field ([%w_]+)%??%s+(%S+)")
      if field then fields[field] = ty
      elseif not line:match("^%-%-%-") then inside = false end
    end
  end
  return fields
end

describe("the policy annotations", function()
  it("load as Lua", function()
    assert.is_function(assert(loadfile(META, "t")))
  end)

  it("list exactly the snapshot fields the host fills, with their types", function()
    local host, annotated = asrun.core.snapshot_fields(), class_fields("asrun.Snapshot")
    assert.is_true(next(host) ~= nil)
    assert.are.same(host, annotated)
  end)

  it("list the decision keys docs/policies.md documents", function()
    local documented = {}
    local doc = (os.getenv("ASRUN_ROOT") or ".") .. "/docs/policies.md"
    local inside = false
    for line in io.lines(doc) do
      if line:match("^### Decision") then inside = true
      elseif inside and line:match("^#") then break
      elseif inside then
        local key = line:match("^| `([%w_]+)` |")
        if key then documented[key] = true end
      end
    end
    local annotated = {}
    for k in pairs(class_fields("asrun.Decision")) do annotated[k] = true end
    assert.are.same(documented, annotated)
  end)
end)

describe("asrun.snapshot", function()
  it("fills every field, integers as integers, and takes overrides", function()
    local s = asrun.snapshot({ workers = 4, cpu_percent = 55.5 })
    for name, kind in pairs(asrun.core.snapshot_fields()) do
      assert.are.equal(kind == "integer" and "integer" or "float", math.type(s[name]), name)
    end
    assert.are.equal(4, s.workers)
    assert.are.equal(55.5, s.cpu_percent)
    assert.has_error(function() asrun.snapshot({ worker = 4 }) end,
      "asrun.snapshot: no snapshot field 'worker'")
  end)
end)

-- asrun.policies: the built-in auto-scaling policies by name, and their parameters.
--
-- A policy is a table { name = "...", defaults = { param = value, ... },
-- decide = function(snapshot, history, state) -> decision } (docs/policies.md).
-- A strategy picks one with scaling = { policy = "aimd", params = { decrease = 0.5 } } or
-- brings its own: scaling = { policy = { decide = function(s, h, state) ... end } }.
-- The host resolves it with policies.get, builds state.params with policies.params once, and
-- calls decide every check interval.
local policies = {}

-- Built-in names, the default first. Modules load on first use.
policies.names = { "hill", "rules", "aimd", "gradient", "usl", "bulk_executor" }
policies.default = "hill"
-- The baselines among them: published algorithms, implemented as their sources describe (each
-- file cites its own), for the lab to compare asrun's policies with. They read only their
-- own signals (throttles, errors, latency, in-flight work), not CPU or memory.
policies.baselines = { "aimd", "bulk_executor" }

local known = {}
for _, n in ipairs(policies.names) do known[n] = true end

-- name (string, nil for the default) or a policy table -> the policy table. Raises naming the
-- known policies for an unknown name, and for a table without a decide function.
function policies.get(name)
  if name == nil then name = policies.default end
  if type(name) == "table" then
    if type(name.decide) ~= "function" then
      error("a scaling policy table needs a decide(snapshot, history, state) function", 2)
    end
    return name
  end
  if type(name) ~= "string" or not known[name] then
    error(string.format("unknown scaling policy %s (known: %s)",
      type(name) == "string" and "'" .. name .. "'" or "of type " .. type(name),
      table.concat(policies.names, ", ")), 2)
  end
  return require("asrun.policies." .. name)
end

local function sorted_keys(t)
  local keys = {}
  for k in pairs(t) do keys[#keys + 1] = tostring(k) end
  table.sort(keys)
  return keys
end

-- The policy's defaults overridden by `overrides` (a fresh table; neither input changes).
-- For a policy with defaults, an unknown key or a value of another type raises, naming the
-- policy and the known keys. A policy without defaults takes the overrides as they are.
function policies.params(policy, overrides)
  policy = policies.get(policy)
  local defaults = policy.defaults or {}
  local out = {}
  for k, v in pairs(defaults) do out[k] = v end
  if overrides == nil then return out end
  if type(overrides) ~= "table" then
    error("scaling params must be a table, got " .. type(overrides), 2)
  end
  local label = policy.name and "'" .. policy.name .. "'" or "(custom)"
  for k, v in pairs(overrides) do
    if policy.defaults then
      if defaults[k] == nil then
        error(string.format("unknown parameter '%s' for scaling policy %s (known: %s)",
          tostring(k), label, table.concat(sorted_keys(defaults), ", ")), 2)
      end
      if type(v) ~= type(defaults[k]) then
        error(string.format("parameter '%s' of scaling policy %s must be a %s, got %s",
          tostring(k), label, type(defaults[k]), type(v)), 2)
      end
    end
    out[k] = v
  end
  return out
end

return policies

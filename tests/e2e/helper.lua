-- Helpers for end-to-end specs: run the asrun binary, read what it wrote.
local M = {}

M.root = os.getenv("ASRUN_ROOT") or "."
M.bin = os.getenv("ASRUN_BIN") or (M.root .. "/build/asrun")
M.tmp = os.getenv("ASRUN_TMP") or "/tmp/asrun-e2e"
os.execute("mkdir -p " .. M.tmp)

local function shell_quote(s)
  return "'" .. tostring(s):gsub("'", "'\\''") .. "'"
end
M.q = shell_quote

local function slurp(path)
  local f = io.open(path, "rb")
  if not f then return nil end
  local s = f:read("a")
  f:close()
  return s
end
M.slurp = slurp

function M.write(path, text)
  local f = assert(io.open(path, "wb"))
  f:write(text)
  f:close()
  return path
end

function M.path(name) return M.tmp .. "/" .. name end

function M.exists(path)
  local f = io.open(path, "rb")
  if f then f:close() return true end
  return false
end

function M.remove(...)
  for _, p in ipairs({...}) do os.remove(p); os.remove(p .. ".partial") end
end

-- Runs asrun with the given argument list (strings); returns exit code, stdout, stderr.
-- opts.cwd runs it from another directory; opts.env is a prefix like "FOO=1".
function M.run(args, opts)
  opts = opts or {}
  local out, err = os.tmpname(), os.tmpname()
  local parts = {}
  for _, a in ipairs(args) do parts[#parts + 1] = shell_quote(a) end
  local cmd = string.format("%s%s %s %s >%s 2>%s",
    opts.cwd and ("cd " .. shell_quote(opts.cwd) .. " && ") or "",
    opts.env or "", shell_quote(M.bin), table.concat(parts, " "), out, err)
  local _, _, code = os.execute(cmd)
  local o, e = slurp(out), slurp(err)
  os.remove(out); os.remove(err)
  return code, o, e
end

-- Starts asrun, sends it `signal` (INT, TERM) after `after` seconds, and waits. Returns the
-- exit code, the seconds from the signal to the exit, stdout and stderr.
function M.run_signalled(args, signal, after)
  local out, err = os.tmpname(), os.tmpname()
  local parts = {}
  for _, a in ipairs(args) do parts[#parts + 1] = shell_quote(a) end
  local script = string.format("%s %s >%s 2>%s & pid=$!; sleep %s; kill -%s $pid; "
    .. "t0=$(date +%%s%%N); wait $pid; code=$?; echo $code $(( ($(date +%%s%%N) - t0) / 1000000 ))",
    shell_quote(M.bin), table.concat(parts, " "), out, err, tostring(after), signal)
  local p = assert(io.popen("sh -c " .. shell_quote(script)))
  local code, ms = p:read("a"):match("(%d+) (%d+)")
  p:close()
  local o, e = slurp(out), slurp(err)
  os.remove(out); os.remove(err)
  return tonumber(code), tonumber(ms) / 1000, o, e
end

function M.lines(path)
  local t = {}
  for line in io.lines(path) do t[#t + 1] = line end
  return t
end

-- Decodes a file of concatenated BSON documents with the asrun module.
function M.bson_docs(path)
  local asrun = require("asrun")
  local data = assert(slurp(path))
  local docs, pos = {}, 1
  while pos <= #data do
    local len = string.unpack("<i4", data, pos)
    docs[#docs + 1] = asrun.bson.decode(data:sub(pos, pos + len - 1))
    pos = pos + len
  end
  return docs
end

-- Root reads and writes through permission bits: permission cases check this and pend as root.
-- A collection's documents, read back with asrun itself (mongodb source → JSONL), decoded,
-- in _id order. uri: mongodb://HOST:PORT/DB.COLLECTION.
function M.mongo_docs(uri)
  local out = M.path(uri:gsub("^.*/", ""):gsub("%W", "_") .. "_dump.jsonl")
  M.remove(out)
  local code, _, stderr = M.run({"--source", uri, "--target", out, "-q", "--no-checkpoint"})
  assert(code == 0, "dump failed: " .. tostring(stderr))
  local docs = {}
  for _, line in ipairs(M.lines(out)) do docs[#docs + 1] = M.json.decode(line) end
  return docs
end

function M.is_root()
  local p = io.popen("id -u")
  local uid = p:read("l")
  p:close()
  return uid == "0"
end

M.json = require("dkjson")

return M

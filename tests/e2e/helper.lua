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
-- opts.cwd runs it from another directory; opts.env is a prefix like "FOO=1"; opts.timeout
-- kills it after that many seconds (exit 124 then), for a run that could hang.
function M.run(args, opts)
  opts = opts or {}
  local out, err = os.tmpname(), os.tmpname()
  local parts = {}
  for _, a in ipairs(args) do parts[#parts + 1] = shell_quote(a) end
  local cmd = string.format("%s%s %s%s %s >%s 2>%s",
    opts.cwd and ("cd " .. shell_quote(opts.cwd) .. " && ") or "",
    opts.env or "", opts.timeout and ("timeout -k 1 " .. opts.timeout .. " ") or "",
    shell_quote(M.bin), table.concat(parts, " "), out, err)
  local _, _, code = os.execute(cmd)
  local o, e = slurp(out), slurp(err)
  os.remove(out); os.remove(err)
  return code, o, e
end

-- The longest a signalled run may take to print its marker; a run still there twice this
-- long after it started is killed (exit 137: the assertions then fail).
local SIGNAL_WAIT_S = 30

-- Starts asrun, sends it `signal` (INT, TERM) once it is where the test wants it, and waits.
-- `after` says when: a string is a line the run prints on stderr (a looping hook writes it
-- just before its loop), waited for; a number is a time in seconds, for runs with no code of
-- their own to print one. `signal` may list several ("INT INT"), and `after` then a wait for
-- each ({"LOOPING", 0.2}). Returns the exit code, the seconds from the last signal to the
-- exit, stdout and stderr.
function M.run_signalled(args, signal, after)
  local out, err = os.tmpname(), os.tmpname()
  local parts = {}
  for _, a in ipairs(args) do parts[#parts + 1] = shell_quote(a) end
  local function wait(w)
    if type(w) == "number" then return "sleep " .. tostring(w) end
    return string.format("n=0; until grep -qxF -- %s %s || [ $n -ge %d ]; do sleep 0.01; "
      .. "n=$((n + 1)); done", shell_quote(w), err, SIGNAL_WAIT_S * 100)
  end
  local kills = {}
  for sig in signal:gmatch("%S+") do
    local w = type(after) == "table" and after[#kills + 1] or after
    kills[#kills + 1] = wait(w) .. "; kill -" .. sig .. " $pid"
  end
  -- a guard kills a run still there 2 * SIGNAL_WAIT_S after it started, and ends with it
  local guard = string.format("(n=0; while kill -0 $pid 2>/dev/null; do [ $n -ge %d ] && "
    .. "kill -KILL $pid; sleep 0.01; n=$((n + 1)); done) >/dev/null 2>&1 &", 2 * SIGNAL_WAIT_S * 100)
  local script = string.format("%s %s >%s 2>%s & pid=$!; %s %s; "
    .. "t0=$(date +%%s%%N); wait $pid; code=$?; "
    .. "echo $code $(( ($(date +%%s%%N) - t0) / 1000000 ))",
    shell_quote(M.bin), table.concat(parts, " "), out, err, guard, table.concat(kills, "; "))
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

-- End to end: standard output and named pipes as targets (sinks/file.c streams,
-- util/stdout_data.c): pipe round trips in JSON lines and BSON with the documents checked,
-- a FIFO written in place, stdout holding only the documents (plan, summary and Lua print on
-- stderr), a reader that closes early ending the run with a message, --resume/--checkpoint
-- refused for a stream, and --type.
local h = require("tests.e2e.helper")

local template = h.root .. "/templates/service_order.json"
local N = 3000
local FIXED = {"--seed", "7", "--now", "2024-05-01T00:00:00Z", "--workers", "2",
               "--batch-size", "250"}

-- The asrun command line (shell text) for a list of arguments.
local function cmd(args)
  local parts = {h.q(h.bin)}
  for _, a in ipairs(args) do parts[#parts + 1] = h.q(a) end
  return table.concat(parts, " ")
end

local function with(base, ...)
  local t = {}
  for _, a in ipairs(base) do t[#t + 1] = a end
  for _, a in ipairs({...}) do t[#t + 1] = a end
  return t
end

-- Runs shell text under sh -c; returns the exit status of sh.
local function sh(script)
  local _, _, code = os.execute("sh -c " .. h.q(script))
  return code
end

-- Equal texts, reported by length and first difference rather than in full.
local function same(expected, actual, what)
  if expected == actual then return end
  local i = 1
  while i <= #expected and expected:sub(i, i) == (actual or ""):sub(i, i) do i = i + 1 end
  error(string.format("%s: %d bytes expected, %d got; first difference at byte %d: %q",
    what, #expected, #(actual or ""), i, (actual or ""):sub(math.max(1, i - 40), i + 40)), 2)
end

local function count_lines(text)
  local n = 0
  for _ in text:gmatch("[^\n]*\n") do n = n + 1 end
  return n
end

describe("standard output and named pipes as targets", function()
  local direct = h.path("direct.jsonl")

  setup(function()
    h.remove(direct)
    local code, _, err = h.run(with({"--source", template, "--total", tostring(N), "--target",
      "file:" .. direct, "-q"}, table.unpack(FIXED)))
    assert.are.equal(0, code, err)
    assert.are.equal(N, count_lines(h.slurp(direct)))
  end)

  it("pipes JSON lines from --target - into --source jsonl:- (same documents)", function()
    local bson, back, err1, err2 = h.path("rt.bson"), h.path("rt_back.jsonl"),
      h.path("rt1.err"), h.path("rt2.err")
    h.remove(bson, back)
    local code = sh(string.format("%s 2>%s | %s 2>%s",
      cmd(with({"--source", template, "--total", tostring(N), "--target", "-"},
               table.unpack(FIXED))), h.q(err1),
      cmd({"--source", "jsonl:-", "--target", "file:" .. bson, "-q"}), h.q(err2)))
    assert.are.equal(0, code, h.slurp(err1) .. h.slurp(err2))
    assert.matches("Wrote 3,000 documents to standard output", h.slurp(err1))
    code, _, err1 = h.run({"--source", bson, "--target", "file:" .. back, "-q"})
    assert.are.equal(0, code, err1)
    same(h.slurp(direct), h.slurp(back), "documents")
  end)

  it("pipes BSON through bson:- into --source - --type bson", function()
    local out, errf = h.path("rt_bson.jsonl"), h.path("rt_bson.err")
    h.remove(out)
    local code = sh(string.format("%s 2>/dev/null | %s 2>%s",
      cmd(with({"--source", template, "--total", tostring(N), "--target", "bson:-", "-q"},
               table.unpack(FIXED))),
      cmd({"--source", "-", "--type", "bson", "--target", "file:" .. out, "-q"}), h.q(errf)))
    assert.are.equal(0, code, h.slurp(errf))
    same(h.slurp(direct), h.slurp(out), "documents")
  end)

  it("keeps stdout for the documents: plan, summary and Lua print go to stderr", function()
    local strategy = h.write(h.path("noisy.lua"), string.format([[
print("top-level print")
return {
  name = "noisy",
  source = { kind = "template", path = %q },
  on_start = function(ctx) print("on_start print"); io.write("on_start io.write\n") end,
  on_finish = function(s) print("on_finish print: " .. s.docs_written) end,
}
]], template))
    local code, out, err = h.run(with({strategy, "--total", tostring(N), "--target", "-"},
      table.unpack(FIXED)))
    assert.are.equal(0, code, err)
    same(h.slurp(direct), out, "documents")
    assert.matches("top%-level print", err)
    assert.matches("on_start print", err)
    assert.matches("on_start io.write", err)
    assert.matches("on_finish print: 3000", err)
    assert.matches("Wrote 3,000 documents to standard output", err)
    assert.matches("Plan", err)

    -- the target named by the strategy, not the command line: the same
    local strategy2 = h.write(h.path("noisy2.lua"), (h.slurp(strategy):gsub('name = "noisy",',
      'name = "noisy2", target = "-",')))
    code, out, err = h.run(with({strategy2, "--total", tostring(N)}, table.unpack(FIXED)))
    assert.are.equal(0, code, err)
    same(h.slurp(direct), out, "documents")
    assert.matches("top%-level print", err)
    assert.matches("on_finish print: 3000", err)

    -- a dry run writes no documents, and nothing else goes to stdout either
    code, out, err = h.run({"--source", template, "--total", "10", "--target", "-", "--dry-run"})
    assert.are.equal(0, code, err)
    assert.are.equal("", out)
    assert.matches("standard output %(JSON lines", err)
  end)

  it("writes a named pipe in place (no .partial, no rename)", function()
    local fifo, copy = h.path("target.fifo.jsonl"), h.path("fifo_copy.jsonl")
    os.remove(fifo); os.remove(copy)
    assert.are.equal(0, sh("mkfifo " .. h.q(fifo)))
    local errf = h.path("fifo.err")
    local code = sh(string.format("cat %s > %s & reader=$!; %s >/dev/null 2>%s; rc=$?; wait $reader; exit $rc",
      h.q(fifo), h.q(copy),
      cmd(with({"--source", template, "--total", tostring(N), "--target", "file:" .. fifo},
               table.unpack(FIXED))), h.q(errf)))
    assert.are.equal(0, code, h.slurp(errf))
    same(h.slurp(direct), h.slurp(copy), "documents")
    assert.are.equal(0, sh("test -p " .. h.q(fifo)), "the FIFO was replaced")
    assert.is_false(h.exists(fifo .. ".partial"))
    assert.is_false(h.exists(fifo .. ".checkpoint.json"))
    os.remove(fifo)

    -- a character device: jsonl:/dev/null is written in place, /dev/null stays itself
    local code2, _, err = h.run({"--source", template, "--total", "100", "--target",
      "jsonl:/dev/null", "-q"})
    assert.are.equal(0, code2, err)
    assert.are.equal(0, sh("test -c /dev/null"))
  end)

  it("ends promptly with a clear error when the reader closes the pipe early", function()
    local errf, rcf, headf = h.path("epipe.err"), h.path("epipe.rc"), h.path("epipe.head")
    local t0 = os.time()
    sh(string.format("{ %s 2>%s; echo $? >%s; } | head -n 5 >%s",
      cmd({"--source", template, "--total", "50000000", "--target", "-", "--workers", "2"}),
      h.q(errf), h.q(rcf), h.q(headf)))
    local elapsed = os.time() - t0
    assert.are.equal(5, count_lines(h.slurp(headf)))
    assert.are.equal("1", (h.slurp(rcf):gsub("%s+$", "")), h.slurp(errf))
    assert.matches("cannot write standard output: its reader closed the pipe", h.slurp(errf))
    assert.is_true(elapsed < 60, "took " .. elapsed .. " s: 50 million documents were written")
  end)

  it("refuses --resume and --checkpoint with a stream target", function()
    local code, out, err = h.run({"--source", template, "--total", "10", "--target", "-",
      "--resume"})
    assert.are.equal(2, code)
    assert.are.equal("", out)
    assert.matches("%-%-resume: the target is standard output, which is written once", err)
    code, out, err = h.run({"--source", template, "--total", "10", "--target", "bson:-",
      "--checkpoint", h.path("never.checkpoint.json")})
    assert.are.equal(2, code)
    assert.are.equal("", out)
    assert.matches("%-%-checkpoint: the target is standard output", err)
    assert.is_false(h.exists(h.path("never.checkpoint.json")))

    local fifo = h.path("resume.fifo.jsonl")
    os.remove(fifo)
    assert.are.equal(0, sh("mkfifo " .. h.q(fifo)))
    code, _, err = h.run({"--source", template, "--total", "10", "--target", "file:" .. fifo,
      "--resume"})
    os.remove(fifo)
    assert.are.equal(2, code)
    assert.matches("%-%-resume: the target is a named pipe", err)
  end)

  it("checks --type: an unknown type or one against KIND:PATH is a usage error", function()
    local code, _, err = h.run({"--source", "-", "--type", "csv"})
    assert.are.equal(2, code)
    assert.matches("%-%-type: expected jsonl, json or bson, got 'csv'", err)
    code, _, err = h.run({"--source", "jsonl:-", "--type", "bson", "--target", "null:"})
    assert.are.equal(2, code)
    assert.matches("%-%-type bson does not fit %-%-source jsonl:%-", err)
    code, _, err = h.run({"--type", "bson", "--total", "1", h.root .. "/strategies/generate_orders.lua"})
    assert.are.equal(2, code)
    assert.matches("no %-%-source is given", err)

    -- --type json reads a .json file as data (mongoimport's JSON), not as a template
    local data = h.write(h.path("typed.json"), '{"a":1}\n{"a":2}\n')
    local out = h.path("typed_out.jsonl")
    h.remove(out)
    code, _, err = h.run({"--source", data, "--type", "json", "--target", "file:" .. out, "-q"})
    assert.are.equal(0, code, err)
    assert.are.equal('{"a":1}\n{"a":2}\n', h.slurp(out))
  end)
end)

-- End to end: sources from standard input and from gzip files (sources/file_reader.c):
-- the same documents as from the plain file, no checkpoint for what can be read once only,
-- clear refusals, truncated gzip as a run failure, and a .gz source resumed by re-reading.
local h = require("tests.e2e.helper")

-- Runs asrun with the shell text `input` feeding its standard input ("< FILE", "cat F |"
-- is written as a prefix: input_cmd). Returns exit code, stdout, stderr.
local function run_piped(input_cmd, args)
  local out, err = os.tmpname(), os.tmpname()
  local parts = {}
  for _, a in ipairs(args) do parts[#parts + 1] = h.q(a) end
  local cmd = string.format("%s | %s %s >%s 2>%s", input_cmd, h.q(h.bin),
    table.concat(parts, " "), out, err)
  local _, _, code = os.execute(cmd)
  local o, e = h.slurp(out), h.slurp(err)
  os.remove(out); os.remove(err)
  return code, o, e
end

local function make_jsonl(path, n)
  local f = assert(io.open(path, "w"))
  for i = 0, n - 1 do
    f:write(string.format('{"_id":%d,"name":"user%d","price":{"$numberDecimal":"%d.50"},'
      .. '"at":{"$date":"2024-01-02T03:04:05.%03dZ"}}\n', i, i, i, i % 1000))
  end
  f:close()
  return path
end

local function gzip(path)
  os.remove(path .. ".gz")
  assert(os.execute("gzip -k -n " .. h.q(path)))
  return path .. ".gz"
end

describe("standard input and gzip sources", function()
  local src = h.path("pipe_src.jsonl")
  local plain_out = h.path("pipe_plain.bson")

  setup(function()
    make_jsonl(src, 20000)
    h.remove(plain_out)
    local code, _, err = h.run({"--source", src, "--target", "file:" .. plain_out, "-q"})
    assert.are.equal(0, code, err)
  end)

  it("reads JSON lines piped into --source -, keeping no checkpoint", function()
    local out = h.path("pipe_stdin.bson")
    h.remove(out)
    local code, stdout, stderr = run_piped("cat " .. h.q(src), {"--source", "-", "--target",
      "file:" .. out, "--workers", "2"})
    assert.are.equal(0, code, stderr)
    assert.matches("Wrote 20,000 documents", stdout)
    assert.matches("Reading standard input: no checkpoint", stderr)
    assert.are.equal(h.slurp(plain_out), h.slurp(out))
    assert.is_false(h.exists(out .. ".checkpoint.json"))
  end)

  it("reads gzip from a pipe (jsonl:-) and from .jsonl.gz, .bson.gz and .json.gz files", function()
    local gz = gzip(src)
    local out = h.path("pipe_gz_stdin.bson")
    h.remove(out)
    local code, _, stderr = run_piped("cat " .. h.q(gz), {"--source", "jsonl:-", "--target",
      "file:" .. out})
    assert.are.equal(0, code, stderr)
    assert.are.equal(h.slurp(plain_out), h.slurp(out))

    local out2 = h.path("pipe_gz_file.bson")
    h.remove(out2)
    code, _, stderr = h.run({"--source", gz, "--target", "file:" .. out2, "-q"})
    assert.are.equal(0, code, stderr)
    assert.are.equal(h.slurp(plain_out), h.slurp(out2))

    local bson = h.path("pipe_dump.bson")
    h.write(bson, h.slurp(plain_out))
    local bgz = gzip(bson)
    local out3 = h.path("pipe_from_bson_gz.bson")
    h.remove(out3)
    code, _, stderr = h.run({"--source", bgz, "--target", "file:" .. out3, "-q"})
    assert.are.equal(0, code, stderr)
    assert.are.equal(h.slurp(plain_out), h.slurp(out3))

    local out4 = h.path("pipe_from_bson_stdin.bson") -- bson:- of plain BSON
    h.remove(out4)
    code, _, stderr = run_piped("cat " .. h.q(bson), {"--source", "bson:-", "--target",
      "file:" .. out4})
    assert.are.equal(0, code, stderr)
    assert.are.equal(h.slurp(plain_out), h.slurp(out4))

    local arr = h.write(h.path("pipe_array.json"), '[{"a": 1}, {"a": 2},\n {"a": 3}]')
    local agz = gzip(arr)
    local out5 = h.path("pipe_array.jsonl")
    h.remove(out5)
    code, _, stderr = h.run({"--source", agz, "--target", "file:" .. out5, "-q"})
    assert.are.equal(0, code, stderr)
    assert.are.same({'{"a":1}', '{"a":2}', '{"a":3}'}, h.lines(out5))
  end)

  it("fails a run on truncated gzip with exit 1, naming the file, publishing nothing", function()
    local gz = gzip(src)
    local data = h.slurp(gz)
    local cut = h.write(h.path("pipe_cut.jsonl.gz"), data:sub(1, #data // 2))
    local out = h.path("pipe_cut.bson")
    h.remove(out)
    local code, _, stderr = h.run({"--source", cut, "--target", "file:" .. out,
      "--no-checkpoint"})
    assert.are.equal(1, code)
    assert.matches("pipe_cut.jsonl.gz: truncated gzip data: the compressed input ends at byte "
      .. (#data // 2), stderr, 1, true)
    assert.is_false(h.exists(out))

    code, _, stderr = run_piped("cat " .. h.q(cut), {"--source", "-", "--target", "file:" .. out})
    assert.are.equal(1, code)
    assert.matches("<stdin>: truncated gzip data", stderr, 1, true)
    assert.is_false(h.exists(out))

    local fake = h.write(h.path("pipe_fake.jsonl.gz"), '{"a": 1}\n')
    code, _, stderr = h.run({"--source", fake, "--target", "file:" .. out})
    assert.are.equal(2, code)
    assert.matches("pipe_fake.jsonl.gz is not gzip data", stderr, 1, true)
  end)

  it("refuses --resume, --checkpoint and --verify on standard input (exit 2)", function()
    local out = h.path("pipe_refused.bson")
    local code, _, stderr = run_piped("cat " .. h.q(src), {"--source", "-", "--target",
      "file:" .. out, "--resume"})
    assert.are.equal(2, code)
    assert.matches("--resume: the source is standard input, which can be read once only",
      stderr, 1, true)
    code, _, stderr = run_piped("cat " .. h.q(src), {"--source", "-", "--target",
      "file:" .. out, "--checkpoint", h.path("pipe.ckpt.json")})
    assert.are.equal(2, code)
    assert.matches("--checkpoint: the source is standard input", stderr, 1, true)
    code, _, stderr = run_piped("cat " .. h.q(src), {"--source", "-", "--target",
      "mongodb://127.0.0.1:1/db.coll", "--verify"})
    assert.are.equal(2, code)
    assert.matches("--verify reads the source again, and standard input can be read once only",
      stderr, 1, true)
    assert.is_false(h.exists(out))
  end)

  it("resumes an interrupted run from a .gz source by re-reading it", function()
    local big = make_jsonl(h.path("pipe_big.jsonl"), 200000)
    local gz = gzip(big)
    local want = h.path("pipe_big_want.jsonl")
    h.remove(want)
    local code = h.run({"--source", big, "--target", "file:" .. want, "-q"})
    assert.are.equal(0, code)
    local out = h.path("pipe_big_out.jsonl")
    h.remove(out, out .. ".checkpoint.json")
    local strategy = h.write(h.path("pipe_slow.lua"), [[
return { transform = function(doc) local x = 0 for i = 1, 300 do x = x + i end return doc end }]])
    local args = {strategy, "--source", gz, "--target", "file:" .. out, "--workers", "1",
                  "--batch-size", "500", "--checkpoint-every", "0.05"}
    local sig_code, _, _, stderr = h.run_signalled(args, "INT", 0.6)
    if sig_code == 130 then
      assert.is_true(h.exists(out .. ".checkpoint.json"), stderr)
      args[#args + 1] = "--resume"
      local code2, stdout2, stderr2 = h.run(args)
      assert.are.equal(0, code2, stderr2)
      assert.matches("Resum", stdout2 .. stderr2)
    else
      assert.are.equal(0, sig_code, stderr) -- the machine outran the signal: still complete
    end
    assert.are.equal(h.slurp(want), h.slurp(out))
  end)
end)

-- mongoimport's flags against the test server (--uri, --db, --collection, --drop,
-- --upsertFields, --numInsertionWorkers, --file, --jsonArray, --type json), mgeneratejs's -n,
-- a Cosmos DB portal-style connection string with --db/--collection beside it, random seeds
-- (a fresh one per run, printed with how to pin it; pinned runs repeat exactly, also through
-- --resume), and the warning of a re-run into a collection that holds the documents already.
-- needs: mongo
local h = require("tests.e2e.helper")
local URI = os.getenv("ASRUN_TEST_MONGO_URI")

local DB = "e2e_flags"
-- a URI as the Cosmos DB portal gives it: no /DB.COLLECTION path, options after "/?", an
-- appName with '@' in it (ssl and replicaSet left out: the test server has neither)
local PORTAL = URI and (URI .. "/?retrywrites=false&maxIdleTimeMS=120000&appName=@acct@")

local TEMPLATE = h.write(h.path("flags_t.json"), [[{
  "_id": "$objectid",
  "sku": {"$string": {"length": 8}},
  "n": "$inc",
  "qty": {"$integer": {"min": 1, "max": 100}}
}]])

local function dump(coll) return h.mongo_docs(URI .. "/" .. DB .. "." .. coll) end

local function count(coll) return #dump(coll) end

local function concat(a, b)
  local t = {table.unpack(a)}
  for _, v in ipairs(b) do t[#t + 1] = v end
  return t
end

local describe_mongo = URI and describe or pending
describe_mongo("mongoimport's flags", function()
  it("--uri with --db and --collection beside a portal-style URI targets DB.COLLECTION", function()
    local code, stdout, stderr = h.run({"--source", TEMPLATE, "-n", "50", "--seed", "1",
      "--uri", PORTAL, "--db", DB, "--collection", "portal", "--numInsertionWorkers", "3",
      "--no-checkpoint"})
    assert.are.equal(0, code, stderr)
    assert.matches("Wrote 50 documents to mongodb://[^ ]*/" .. DB .. "%.portal", stdout)
    assert.matches("workers:    3", stderr, 1, true)
    assert.are.equal(50, count("portal"))
    -- the short forms, and the same names in the path and the flags
    code, _, stderr = h.run({"--source", TEMPLATE, "-n", "5", "--seed", "2", "--uri",
      URI .. "/" .. DB .. ".portal", "-d", DB, "-c", "portal", "--no-checkpoint", "-q"})
    assert.are.equal(0, code, stderr)
    assert.are.equal(55, count("portal"))
  end)

  it("refuses a conflict between the URI's path and --db/--collection, and no collection", function()
    local code, _, stderr = h.run({"--source", TEMPLATE, "-n", "5", "--uri",
      URI .. "/" .. DB .. ".a", "--collection", "b"})
    assert.are.equal(2, code)
    assert.matches("--collection b and the collection 'a' in the URI's path", stderr, 1, true)
    code, _, stderr = h.run({"--source", TEMPLATE, "-n", "5", "--uri", URI .. "/other.a",
      "--db", DB})
    assert.are.equal(2, code)
    assert.matches("--db " .. DB .. " and the database 'other' in the URI's path", stderr, 1, true)
    code, _, stderr = h.run({"--source", TEMPLATE, "-n", "5", "--uri", PORTAL, "--db", DB})
    assert.are.equal(2, code)
    assert.matches("no collection name (give --collection NAME", stderr, 1, true)
    code, _, stderr = h.run({"--source", TEMPLATE, "-n", "5", "--db", DB, "-c", "x"})
    assert.are.equal(2, code)
    assert.matches("--db applies to a MongoDB target", stderr, 1, true)
  end)

  it("--drop empties the target first, says so in the plan, and refuses --resume", function()
    local base = {"--source", TEMPLATE, "--uri", URI, "--db", DB, "-c", "dropped",
      "--no-checkpoint"}
    assert.are.equal(0, (h.run(concat(base, {"-n", "100", "--seed", "3", "-q"}))))
    local code, stdout = h.run(concat(base, {"-n", "30", "--drop", "--dry-run"}))
    assert.are.equal(0, code)
    assert.matches("drop:       the target collection is dropped before the load", stdout, 1, true)
    assert.are.equal(100, count("dropped")) -- a dry run drops nothing
    local stderr
    code, _, stderr = h.run(concat(base, {"-n", "30", "--seed", "3", "--drop"}))
    assert.are.equal(0, code, stderr)
    assert.matches("Dropped the target collection " .. DB .. ".dropped before the load", stderr, 1, true)
    assert.are.equal(30, count("dropped"))
    code, _, stderr = h.run(concat(base, {"-n", "30", "--drop", "--resume"}))
    assert.are.equal(2, code)
    assert.matches("--drop and --resume", stderr, 1, true)
    -- a collection that is not there is fine
    code, _, stderr = h.run({"--source", TEMPLATE, "-n", "4", "--uri", URI, "--db", DB, "-c",
      "never_there", "--drop", "--no-checkpoint"})
    assert.are.equal(0, code, stderr)
    assert.are.equal(4, count("never_there"))
  end)

  it("--upsertFields A overwrites the documents with the same A", function()
    local data = h.write(h.path("flags_upsert.jsonl"),
      '{"sku":"a","qty":1}\n{"sku":"b","qty":2}\n{"sku":"c","qty":3}\n')
    local base = {"--file", data, "--uri", URI, "--db", DB, "-c", "upserted", "--no-checkpoint", "-q"}
    assert.are.equal(0, (h.run(concat(base, {"--drop"}))))
    h.write(data, '{"sku":"a","qty":10}\n{"sku":"b","qty":20}\n{"sku":"d","qty":40}\n')
    local code, _, stderr = h.run(concat(base, {"--upsertFields", "sku"}))
    assert.are.equal(0, code, stderr)
    local by_sku = {}
    for _, d in ipairs(dump("upserted")) do by_sku[d.sku] = d.qty end
    assert.are.same({a = 10, b = 20, c = 3, d = 40}, by_sku)
  end)

  it("warns with counts when a re-run finds the documents already in the collection", function()
    local base = {"--source", TEMPLATE, "--now", "2024-01-01", "--seed", "11", "--uri", URI,
      "--db", DB, "-c", "rerun", "--no-checkpoint"}
    assert.are.equal(0, (h.run(concat(base, {"-n", "200", "--drop", "-q"}))))
    local sum = h.path("flags_rerun.json")
    local code, stdout, stderr = h.run(concat(base, {"-n", "200", "--summary-json", sum}))
    assert.are.equal(0, code, stderr)
    local want = "all 200 documents were already in " .. DB .. ".rerun (duplicate key): nothing "
      .. "inserted; use --mode upsert to overwrite them, or --drop"
    assert.matches("warn.*" .. want:gsub("%p", "%%%0"), stderr)
    assert.matches("Warning: " .. want, stdout, 1, true)
    local s = h.json.decode(h.slurp(sum))
    assert.matches(want, s.warning, 1, true)
    assert.are.equal(0, s.docs_written)
    assert.are.equal(200, s.duplicates)
    -- partly there: the counts of both
    code, stdout, stderr = h.run(concat(base, {"-n", "300"}))
    assert.are.equal(0, code, stderr)
    assert.matches("Warning: 200 of 300 documents were already in " .. DB .. ".rerun (duplicate "
      .. "key) and were not rewritten; 100 inserted", stdout, 1, true)
    assert.are.equal(300, count("rerun"))
    -- a new random seed writes new _ids: no duplicate, so no "already in" warning; but the
    -- collection held documents before this insert, and the run says so (and why it adds)
    code, stdout, stderr = h.run({"--source", TEMPLATE, "-n", "50", "--uri", URI, "--db", DB,
      "-c", "rerun", "--no-checkpoint"})
    assert.are.equal(0, code, stderr)
    assert.is_nil(stdout:find("were already in", 1, true))
    assert.matches("Warning: " .. DB .. ".rerun already holds 300 documents before this insert "
      .. "(no --drop); with a new random seed (no --seed) and the template's _id taken from the "
      .. "run's clock ($objectid) with no --now this run makes new _ids", stdout, 1, true)
    assert.are.equal(350, count("rerun"))
  end)
end)

describe("--jsonArray and --type json", function()
  it("reads one JSON array from a file and from standard input", function()
    local data = h.write(h.path("flags_array.json"),
      '[\n  {"a": 1},\n  {"a": 2, "b": {"c": [1, 2]}},\n  {"a": 3}\n]\n')
    local out = h.path("flags_array_out.jsonl")
    h.remove(out)
    local code, _, stderr = h.run({"--file", data, "--jsonArray", "--target", out, "-q"})
    assert.are.equal(0, code, stderr)
    assert.are.equal('{"a":1}\n{"a":2,"b":{"c":[1,2]}}\n{"a":3}\n', h.slurp(out))
    h.remove(out)
    code, _, stderr = h.run({"--source", "-", "--jsonArray", "--target", out, "-q"},
      {env = "cat " .. h.q(data) .. " |"})
    assert.are.equal(0, code, stderr)
    assert.are.equal('{"a":1}\n{"a":2,"b":{"c":[1,2]}}\n{"a":3}\n', h.slurp(out))
    -- without --jsonArray the same file is no stream of documents
    code, _, stderr = h.run({"--file", data, "--target", out, "-q"})
    assert.are.equal(1, code)
    assert.matches("expected a document ('{'), found '['", stderr, 1, true)
  end)

  it("--type json (and --file) reads documents one after another, over many lines", function()
    local data = h.write(h.path("flags_docs.json"), '{"a": 1}\n{\n  "a": 2\n} {"a": 3}\n')
    local out = h.path("flags_docs_out.jsonl")
    h.remove(out)
    local code, _, stderr = h.run({"--file", data, "--target", out, "-q"})
    assert.are.equal(0, code, stderr)
    assert.are.equal('{"a":1}\n{"a":2}\n{"a":3}\n', h.slurp(out))
    h.remove(out)
    code, _, stderr = h.run({"--source", "-", "--type", "json", "--target", out, "-q"},
      {env = "cat " .. h.q(data) .. " |"})
    assert.are.equal(0, code, stderr)
    assert.are.equal('{"a":1}\n{"a":2}\n{"a":3}\n', h.slurp(out))
  end)

  it("streams a large array: memory stays far below the file's size", function()
    local data = h.path("flags_big_array.json")
    local f = assert(io.open(data, "wb"))
    local pad = string.rep("x", 200)
    local n = 300000
    f:write("[")
    local chunk = {}
    for i = 1, n do
      chunk[#chunk + 1] = string.format('%s{"i": %d, "pad": "%s"}', i > 1 and ",\n" or "", i, pad)
      if #chunk == 10000 then f:write(table.concat(chunk)); chunk = {} end
    end
    f:write(table.concat(chunk), "]\n")
    f:close()
    local size = #h.slurp(data)
    assert.is_true(size > 60 * 1024 * 1024, "the array file is " .. size .. " bytes")
    local sum = h.path("flags_big_array.summary.json")
    local code, _, stderr = h.run({"--file", data, "--jsonArray", "--target", "null:",
      "--workers", "2", "--summary-json", sum, "-q"})
    assert.are.equal(0, code, stderr)
    local s = h.json.decode(h.slurp(sum))
    assert.are.equal(n, s.docs_written)
    assert.is_true(s.peak_rss_bytes < size / 2, "peak RSS " .. s.peak_rss_bytes .. " bytes for a "
      .. size .. "-byte file")
    os.remove(data)
  end)
end)

describe("-n and seeds", function()
  local function generate(out, extra)
    h.remove(out)
    local code, stdout, stderr = h.run(concat({"--source", TEMPLATE, "-n", "200", "--now",
      "2024-01-01", "--target", out, "--no-checkpoint"}, extra or {}))
    assert.are.equal(0, code, stderr)
    return stdout, stderr
  end

  it("-n and --number are --total", function()
    local out = h.path("flags_n.jsonl")
    generate(out, {"-q"})
    assert.are.equal(200, #h.lines(out))
    h.remove(out)
    local code, _, stderr = h.run({"--source", TEMPLATE, "--number", "7", "--target", out, "-q"})
    assert.are.equal(0, code, stderr)
    assert.are.equal(7, #h.lines(out))
  end)

  it("draws a fresh seed per run, prints it, and --seed with it repeats the run", function()
    local a, b, c = h.path("flags_seed_a.jsonl"), h.path("flags_seed_b.jsonl"), h.path("flags_seed_c.jsonl")
    local stdout, stderr = generate(a)
    local seed = stderr:match("seed:       (%d+) %(random; %-%-seed %d+ repeats this run%)")
    assert.is_not_nil(seed, stderr)
    assert.matches("Seed: " .. seed .. " (random; --seed " .. seed .. " repeats this run)",
      stdout, 1, true)
    generate(b)
    assert.are_not.equal(h.slurp(a), h.slurp(b)) -- another seed: other documents
    local id_a = h.json.decode(h.lines(a)[1])._id["$oid"]
    local id_b = h.json.decode(h.lines(b)[1])._id["$oid"]
    assert.are_not.equal(id_a, id_b) -- and other _ids, though the clock is the same
    stdout, stderr = generate(c, {"--seed", seed})
    assert.are.equal(h.slurp(a), h.slurp(c)) -- the printed seed repeats the run exactly
    assert.matches("seed:       " .. seed .. " (--seed)", stderr, 1, true)
    generate(b, {"--seed", seed})
    assert.are.equal(h.slurp(c), h.slurp(b))
  end)

  it("the summary JSON holds the seed and where it came from", function()
    local sum = h.path("flags_seed_summary.json")
    generate(h.path("flags_seed_s.jsonl"), {"--summary-json", sum, "-q"})
    local s = h.json.decode(h.slurp(sum))
    assert.are.equal("random", s.seed_origin)
    assert.matches("^%d+$", s.seed)
    assert.are.equal(s.seed .. " (random; --seed " .. s.seed .. " repeats this run)", s.seed_text)
    generate(h.path("flags_seed_s.jsonl"), {"--summary-json", sum, "-q", "--seed", "12"})
    s = h.json.decode(h.slurp(sum))
    assert.are.equal("given", s.seed_origin)
    assert.are.equal("12", s.seed)
  end)

  it("--resume goes on with the interrupted run's random seed", function()
    local big = h.write(h.path("flags_resume_t.json"),
      '{"_id": "$objectid", "n": "$inc", "s": {"$string": {"length": 40}}}')
    local out, ref = h.path("flags_resume.jsonl"), h.path("flags_resume_ref.jsonl")
    h.remove(out, ref, out .. ".checkpoint.json")
    local args = {"--source", big, "-n", "3000000", "--now", "2024-01-01", "--target", "file:" .. out,
      "--workers", "2", "--checkpoint-every", "0.1"}
    local code, _, _, stderr = h.run_signalled(args, "INT", 0.5)
    if code ~= 130 then
      pending("the run ended before its interrupt (a fast machine): nothing to resume")
      return
    end
    local seed = stderr:match("seed:       (%d+) %(random")
    assert.is_not_nil(seed, stderr)
    local resume_args = concat(args, {"--resume"})
    local rcode, rstdout, rstderr = h.run(resume_args)
    assert.are.equal(0, rcode, rstderr)
    assert.matches("seed:       " .. seed .. " (the checkpoint's; --seed " .. seed, rstderr, 1, true)
    assert.matches("Resumed:", rstdout, 1, true)
    code, _, stderr = h.run({"--source", big, "-n", "3000000", "--now", "2024-01-01", "--target",
      ref, "--seed", seed, "--no-checkpoint", "-q"})
    assert.are.equal(0, code, stderr)
    assert.is_true(h.slurp(out) == h.slurp(ref), "the resumed output differs from a run with "
      .. "--seed " .. seed)
    h.remove(out, ref)
  end)
end)

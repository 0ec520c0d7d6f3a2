-- End to end: templates written for mgeneratejs run as they are. Template text as --source
-- (`mgeneratejs '{"a": "$name"}'`), bare keys, "{{ }}" strings expanded (never written out
-- literally), and every unknown operator of a template reported in one run, exit code 2.
local h = require("tests.e2e.helper")

local function decode_lines(text)
  local out = {}
  for line in text:gmatch("[^\n]+") do out[#out + 1] = line end
  return out
end

describe("mgeneratejs habits", function()
  it("takes template text as --source and writes it to standard output", function()
    local code, out, err = h.run({"--source", '{"name": "$name", "n": {"$integer": {"min": 1, "max": 3}}}',
      "--total", "5", "--seed", "4", "--target", "-", "-q"})
    assert.are.equal(0, code, err)
    local lines = decode_lines(out)
    assert.are.equal(5, #lines)
    for _, line in ipairs(lines) do
      assert.matches('^{"name":"[A-Z][^"]+ [A-Z][^"]+","n":[1-3]}$', line)
    end
  end)

  it("takes template:{...} and bare keys as mgeneratejs's command line does", function()
    local out = h.path("habits_bare.jsonl")
    h.remove(out)
    local code, _, err = h.run({"--source", "template:{name: {$choose: {from: ['x']}}, nested: {k: 'y', z: \"$bool\"}}",
      "--total", "3", "--target", "file:" .. out, "-q"})
    assert.are.equal(2, code) -- 'y' is no JSON string, for mgeneratejs either
    assert.matches("template:1:", err, 1, true)
    code, _, err = h.run({"--source", 'template:{name: {$choose: {from: ["x"]}}, nested: {k: "y", z: "$bool"}}',
      "--total", "3", "--target", "file:" .. out, "-q"})
    assert.are.equal(0, code, err)
    local lines = h.lines(out)
    assert.are.equal(3, #lines)
    for _, line in ipairs(lines) do
      assert.matches('^{"name":"x","nested":{"k":"y","z":[a-z]+}}$', line)
    end
    h.remove(out)
  end)

  it("expands {{ }} strings from a template file", function()
    local tpl = h.write(h.path("habits_strtpl.json"), [[
{
  greeting: "Hello {{chance.first()}}, you are {{chance.integer({min: 18, max: 18})}}",
  when: "{{chance.date({min: '2026-01-22T18:21:53Z', max: '2026-01-22T18:21:53Z'})}}",
  price: "{{faker.commerce.price()}}",
  pick: "{{chance.pickone(['a', 'b'])}}"
}]])
    local out = h.path("habits_strtpl.jsonl")
    h.remove(out)
    local code, _, err = h.run({"--source", tpl, "--total", "20", "--target", "file:" .. out, "-q"})
    assert.are.equal(0, code, err)
    local lines = h.lines(out)
    assert.are.equal(20, #lines)
    for _, line in ipairs(lines) do
      assert.matches('"greeting":"Hello [A-Z][^"]*, you are 18"', line)
      assert.matches('"when":"Thu Jan 22 2026 18:21:53 GMT+0000 (Coordinated Universal Time)"', line, 1, true)
      assert.matches('"price":"%d+%.00"', line)
      assert.matches('"pick":"[ab]"', line)
      assert.is_nil(line:find("{{", 1, true))
    end
    h.remove(out, tpl)
  end)

  it("refuses a {{ }} it cannot expand, naming the expression and the path", function()
    local code, _, err = h.run({"--source", '{"a": {"b": "id-{{ Math.random() }}"}}', "--total", "1",
      "--target", "file:" .. h.path("habits_never.jsonl"), "-q"})
    assert.are.equal(2, code)
    assert.matches("{{ Math.random() }} at a.b: asrun expands chance.FN(...) and faker.A.B() calls only", err, 1, true)
    assert.is_false(h.exists(h.path("habits_never.jsonl")))
  end)

  it("reports every unknown operator of a template in one run", function()
    local tpl = h.write(h.path("habits_unknown.json"),
      '{"a": "$integr", "b": {"$array": {"of": {"c": "$nosuchop"}, "number": 2}}, "d": {"$mixin": {}}}')
    local code, _, err = h.run({"--source", tpl, "--total", "1", "--target", "file:" .. h.path("habits_never.jsonl"), "-q"})
    assert.are.equal(2, code)
    assert.matches(tpl .. ": unknown operator $integr at a (did you mean $integer?); unknown operator "
      .. "$nosuchop at b.$array.of.c; $mixin at d is a chance.js utility, not a generator: mgeneratejs "
      .. "cannot call it either (it writes chance's internal state)", err, 1, true)
    h.remove(tpl)
  end)
end)

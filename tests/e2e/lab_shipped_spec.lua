-- End to end: every shipped policy finishes every shipped scenario in the lab with nothing
-- lost, and the lab's JSON names them all.
local h = require("tests.e2e.helper")

describe("the lab over every shipped scenario and policy", function()
  it("loses no document, whatever the policy", function()
    local json = h.path("lab_shipped.json")
    local code, _, err = h.run({"lab", "--json", json})
    assert.are.equal(0, code, "exit code; stderr was: " .. err)
    local t = h.json.decode(h.slurp(json), 1, h.json.null)
    local scenarios = {}
    for f in io.popen("ls " .. h.q(h.root .. "/scenarios")):lines() do
      scenarios[#scenarios + 1] = f:match("^(.+)%.lua$")
    end
    assert.are.equal(#scenarios, #t.scenarios)
    local defaults = 0
    for _, s in ipairs(t.scenarios) do
      assert.are.equal(6, #s.results, s.name)
      for _, r in ipairs(s.results) do
        assert.are.equal(0, r.lost, s.name .. " / " .. r.policy)
        assert.is_true(r.docs_written > 0, s.name .. " / " .. r.policy)
        if r.default then
          defaults = defaults + 1
          assert.are.equal("hill", r.policy)
        end
      end
    end
    assert.are.equal(#scenarios, defaults)
  end)
end)

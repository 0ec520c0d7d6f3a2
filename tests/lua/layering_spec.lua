-- The layering of host/: a folder includes only folders on a lower line of the README's
-- layer list (between <!-- layers ... --> and <!-- /layers -->), and only lua/ includes
-- Lua's headers. The list in the README is the one place the order is written.

local function read(path)
  local f = assert(io.open(path, "r"))
  local text = f:read("a")
  f:close()
  return text
end

-- { folder = rank }, rank 1 at the bottom; folders on one line share a rank. A line that
-- starts with folder names ("sources/ sinks/   ...") is a layer; indented lines continue
-- the description above them.
local function layer_ranks()
  local block = read("README.md"):match("<!%-%- layers:.-%-%->%s*```\n(.-)```%s*<!%-%- /layers %-%->")
  assert(block, "README.md has no layers block")
  local layers = {}
  for line in block:gmatch("[^\n]+") do
    local folders = {}
    for word in line:gmatch("%S+") do
      local name = word:match("^([%w_]+)/$")
      if not name then break end
      folders[#folders + 1] = name
    end
    if #folders > 0 and not line:match("^%s") then layers[#layers + 1] = folders end
  end
  local ranks = {}
  for i, folders in ipairs(layers) do
    for _, name in ipairs(folders) do ranks[name] = #layers - i + 1 end
  end
  return ranks
end

local function host_files()
  local files = {}
  local p = assert(io.popen("find host -name '*.[ch]' | sort"))
  for path in p:lines() do files[#files + 1] = path end
  p:close()
  return files
end

local function host_folders()
  local folders = {}
  local p = assert(io.popen("find host -mindepth 1 -maxdepth 1 -type d | sort"))
  for path in p:lines() do folders[#folders + 1] = path:match("^host/(.+)$") end
  p:close()
  return folders
end

describe("host/ layering", function()
  local ranks = layer_ranks()

  it("names every host/ folder in the README's layer list", function()
    for _, folder in ipairs(host_folders()) do
      assert.is_not_nil(ranks[folder], "host/" .. folder .. "/ is missing from README.md's layers")
    end
  end)

  it("has includes that only go down the layers", function()
    local wrong = {}
    for _, path in ipairs(host_files()) do
      local own = path:match("^host/([^/]+)/")
      for target in ("\n" .. read(path)):gmatch('\n%s*#%s*include%s+"([^"/]+)/') do
        if target ~= own and ranks[target] and ranks[target] >= ranks[own] then
          wrong[#wrong + 1] = path .. " includes " .. target .. "/"
        end
      end
    end
    assert.are.same({}, wrong)
  end)

  it("keeps Lua's headers inside lua/", function()
    local wrong = {}
    for _, path in ipairs(host_files()) do
      if not path:match("^host/lua/") and read(path):match("#%s*include%s+<l[a-z]*%.h>") then
        wrong[#wrong + 1] = path
      end
    end
    assert.are.same({}, wrong)
  end)
end)

-- Example: the reshaping of migrate_jsonl_to_bson.lua that needs no Lua, as declarative field
-- operations run in C on each document's BSON bytes (README "Field operations").
--
--   asrun strategies/generate_orders.lua            # makes out/generate_orders.jsonl
--   asrun strategies/migrate_fields.lua             # writes out/orders_fields.bson
--
-- Names are the input's fields (dotted paths for embedded documents); new fields are appended.
-- A document an operation cannot rewrite (a rename onto a field it has, a convert that
-- cannot convert) goes to the dead letters. `after` adds a Lua function for the rest.
local asrun = require("asrun")

return {
  name = "migrate_orders_fields",
  source = "jsonl:out/generate_orders.jsonl",   -- a .jsonl.gz, or "-" for standard input, too
  target = "file:out/orders_fields.bson",
  workers = 2,
  batch_size = 2000,

  transform = asrun.fields{
    rename = { orderNumber = "order_no", ["customer.region"] = "customer.area" },
    drop = { "notes" },
    set = { schemaVersion = 3 },
    copy = { technicianId = "tech_id" },
    convert = { technicianId = "int64", ["customer.customerId"] = "string" },
    after = function(doc)                          -- optional: Lua for what is left
      if doc.status == "cancelled" then return nil end
      return doc
    end,
  },
}

-- Example: migrate a JSON-lines export to a mongorestore-ready BSON file, reshaping each
-- document in Lua on the way.
--
--   asrun strategies/generate_orders.lua            # makes out/generate_orders.jsonl
--   asrun strategies/migrate_jsonl_to_bson.lua      # writes out/orders_v3.bson
--
-- transform(doc) gets each document as a Lua table and returns the new document, nil to drop
-- it, or a list of documents to fan it out. Each worker thread runs its own copy of this file,
-- so keep the top level to definitions (no side effects that must happen once).
local dropped_status = { cancelled = true }

return {
  name = "migrate_orders",
  source = "jsonl:out/generate_orders.jsonl",
  target = "file:out/orders_v3.bson",
  workers = 2,
  batch_size = 2000,

  transform = function(doc)
    if dropped_status[doc.status] then return nil end       -- drop cancelled orders

    doc.order_no = doc.orderNumber                          -- rename a field
    doc.orderNumber = nil

    local total = 0                                          -- derive a field
    for _, item in ipairs(doc.lineItems or {}) do
      total = total + item.quantity * item.unitPrice
    end
    doc.total = math.floor(total * 100 + 0.5) / 100

    doc.notes = nil                                          -- drop a field
    doc.schemaVersion = 3
    return doc
  end,

  on_finish = function(summary)
    print(string.format("migrated %d orders (%d dropped) in %.1f s",
      summary.docs_written, summary.docs_dropped, summary.duration_s))
  end,
}

-- Example: migrate one MongoDB (or Cosmos DB) collection into another, reshaping each
-- document in Lua, upserting by _id so a rerun converges instead of duplicating.
--
--   asrun strategies/migrate_mongo.lua --verify
--
-- Set the two URIs (or pass --target); the database and collection can also go in the URI
-- path: mongodb://host/shop.orders. A Cosmos DB connection string from the Azure portal
-- works as it is (ssl=true&replicaSet=globaldb&retrywrites=false&maxIdleTimeMS=120000...).
local SOURCE = os.getenv("SOURCE_URI") or "mongodb://127.0.0.1:27017"
local TARGET = os.getenv("TARGET_URI") or SOURCE

return {
  name = "orders_v3",
  source = {
    kind = "mongodb", uri = SOURCE, database = "shop", collection = "orders",
    filter = { status = { ["$ne"] = "cancelled" } },  -- Extended JSON text works too
  },
  target = {
    uri = TARGET, database = "shop_v3", collection = "orders",
    mode = "upsert", keys = { "_id" },                -- replaceOne({_id}, doc, {upsert})
    copy_indexes = "after",                            -- the source's indexes, after the load
  },
  workers = 4,
  batch_size = 1000,

  transform = function(doc)
    if doc.status == "draft" then return nil end       -- drop
    doc.order_no = doc.orderNumber                      -- rename
    doc.orderNumber = nil
    local total = 0                                     -- derive
    for _, item in ipairs(doc.lineItems or {}) do
      total = total + item.quantity * item.unitPrice
    end
    doc.total = math.floor(total * 100 + 0.5) / 100
    doc.notes = nil                                     -- drop a field
    return doc
  end,
}

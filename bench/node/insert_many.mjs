// Reference client: an insertMany loop with the official driver at a fixed concurrency and
// batch size, inserting generated service-order-like documents. Prints docs/s.
// Usage: node insert_many.mjs URI DB.COLL TOTAL CONCURRENCY BATCH
import { MongoClient, ObjectId } from 'mongodb';

const [uri, ns, totalArg, concArg, batchArg] = process.argv.slice(2);
const [db, coll] = ns.split('.');
const total = parseInt(totalArg, 10), concurrency = parseInt(concArg, 10), batch = parseInt(batchArg, 10);

let seed = 12345;
const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
const pick = (a) => a[Math.floor(rnd() * a.length)];
const str = (n) => Array.from({ length: n }, () => pick('ABCDEFGHJKLMNPQRSTUVWXYZ23456789')).join('');

function makeDoc(i) {
  return {
    _id: new ObjectId(),
    orderNumber: 100000 + i,
    status: pick(['pending', 'scheduled', 'in_progress', 'completed', 'cancelled']),
    priority: pick(['low', 'normal', 'high', 'urgent']),
    customer: { customerId: Math.floor(rnd() * 9e6) + 1e6, accountCode: str(8), tier: pick(['bronze', 'silver', 'gold']) },
    technicianId: Math.floor(rnd() * 5000),
    createdAt: new Date(1672531200000 + Math.floor(rnd() * 6e10)),
    lineItems: Array.from({ length: 1 + Math.floor(rnd() * 5) }, () => ({
      sku: str(10), quantity: 1 + Math.floor(rnd() * 20), unitPrice: Math.round(rnd() * 50000) / 100, taxable: rnd() < 0.8,
    })),
    discountPct: Math.round(rnd() * 250) / 10,
    currency: 'USD',
    paid: rnd() < 0.65,
    schemaVersion: 2,
  };
}

const client = new MongoClient(uri, { maxPoolSize: concurrency });
await client.connect();
const c = client.db(db).collection(coll);
let next = 0;
const t0 = process.hrtime.bigint();
async function worker() {
  for (;;) {
    const start = next;
    if (start >= total) return;
    next = Math.min(total, start + batch);
    const docs = [];
    for (let i = start; i < next; i++) docs.push(makeDoc(i));
    await c.insertMany(docs, { ordered: false });
  }
}
await Promise.all(Array.from({ length: concurrency }, worker));
const secs = Number(process.hrtime.bigint() - t0) / 1e9;
console.log(Math.round(total / secs));
await client.close();

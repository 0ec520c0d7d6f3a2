// The Node.js peer of asrun's migration path (issue 12): the official `bson` package on one
// thread, written the way a Node user who cares about speed would write it.
//   jsonl            relaxed Extended JSON lines -> BSON file (EJSON.parse + serialize)
//   jsonl-transform  the same with the example transform of strategies/migrate_jsonl_to_bson.lua
//   bson-transform   BSON file -> BSON file with that transform (deserialize + serialize)
// Input is streamed in 1 MiB chunks; each document is serialized straight into a 4 MiB output
// buffer (no buffer per document) that a write stream takes when full, up to 16 MiB in flight.
// Types are kept as mongoimport / mongorestore keep them: EJSON.parse with relaxed: false
// (an integer is Int32 when it fits, else Long; $numberLong stays Long) and deserialize with
// promoteValues: false (Int32, Long and Double stay what they were). One limit of the library:
// JSON.parse reads 12.0 as 12, so an integral double in JSONL comes out as Int32 here.
// Prints one line: mode, documents read and written, wall and CPU seconds (process.cpuUsage:
// every thread of the process, from before the first read to the last byte written).
// Usage: node migrate_peer.mjs MODE IN OUT
import { createReadStream, createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { EJSON, BSON, Double } from 'bson';

const [mode, inPath, outPath] = process.argv.slice(2);
const MODES = ['jsonl', 'jsonl-transform', 'bson-transform'];
if (!MODES.includes(mode) || !inPath || !outPath) {
  console.error(`usage: node migrate_peer.mjs ${MODES.join('|')} IN OUT`);
  process.exit(2);
}

const READ_CHUNK = 1 << 20;
const OUT_CHUNK = 4 << 20;
const EJSON_OPTIONS = { relaxed: false };
const DESERIALIZE_OPTIONS = { promoteValues: false };

// The example transform: drop cancelled orders, rename orderNumber -> order_no, total = the sum
// of quantity * unitPrice rounded to cents (a double, as Lua's float), drop notes, schemaVersion 3.
function transform(doc) {
  if (doc.status === 'cancelled') return null;
  doc.order_no = doc.orderNumber;
  delete doc.orderNumber;
  let total = 0;
  const items = doc.lineItems;
  if (items) for (const item of items) total += item.quantity * item.unitPrice;
  doc.total = new Double(Math.floor(total * 100 + 0.5) / 100);
  delete doc.notes;
  doc.schemaVersion = 3;
  return doc;
}

// Serializes documents into OUT_CHUNK buffers handed whole to a write stream.
class BsonWriter {
  constructor(path) {
    this.stream = createWriteStream(path, { highWaterMark: 4 * OUT_CHUNK });
    this.buf = Buffer.allocUnsafe(OUT_CHUNK);
    this.used = 0;
    this.written = 0;
  }
  // Returns a promise only when the stream wants the caller to wait (backpressure).
  add(doc) {
    let wait = null;
    try {
      this.used = BSON.serializeWithBufferAndIndex(doc, this.buf, { index: this.used }) + 1;
    } catch (err) {
      if (!(err instanceof RangeError) || this.used === 0) throw err; // does not fit: flush, retry
      wait = this.flush();
      const size = BSON.calculateObjectSize(doc);
      if (size > this.buf.length) this.buf = Buffer.allocUnsafe(size);
      this.used = BSON.serializeWithBufferAndIndex(doc, this.buf, { index: 0 }) + 1;
    }
    this.written++;
    if (this.used >= OUT_CHUNK - 65536 && !wait) wait = this.flush();
    return wait;
  }
  flush() {
    if (this.used === 0) return null;
    const ok = this.stream.write(this.buf.subarray(0, this.used));
    this.buf = Buffer.allocUnsafe(OUT_CHUNK); // the stream keeps the old one until written
    this.used = 0;
    return ok ? null : once(this.stream, 'drain');
  }
  async close() {
    const wait = this.flush();
    if (wait) await wait;
    this.stream.end();
    await once(this.stream, 'finish');
  }
}

async function jsonlToBson(writer, withTransform) {
  let read = 0;
  // Parses, transforms and adds one line; a promise only when the writer asks to wait.
  const handle = (line) => {
    if (line.length === 0 || line === '\r') return null;
    read++;
    let doc = EJSON.parse(line, EJSON_OPTIONS);
    if (withTransform && (doc = transform(doc)) === null) return null;
    return writer.add(doc);
  };
  let rest = '';
  const input = createReadStream(inPath, { highWaterMark: READ_CHUNK, encoding: 'utf8' });
  for await (const chunk of input) {
    const text = rest.length ? rest + chunk : chunk;
    let start = 0;
    for (let nl = text.indexOf('\n'); nl !== -1; nl = text.indexOf('\n', start)) {
      const wait = handle(text.slice(start, nl));
      start = nl + 1;
      if (wait) await wait;
    }
    rest = text.slice(start);
  }
  const wait = handle(rest);
  if (wait) await wait;
  return read;
}

async function bsonToBson(writer) {
  let read = 0;
  let rest = null;
  const input = createReadStream(inPath, { highWaterMark: READ_CHUNK });
  for await (const chunk of input) {
    const buf = rest ? Buffer.concat([rest, chunk]) : chunk;
    let off = 0;
    while (buf.length - off >= 4) {
      const size = buf.readInt32LE(off);
      if (size < 5) throw new Error(`bad BSON document length ${size} at byte ${off}`);
      if (buf.length - off < size) break;
      read++;
      const doc = transform(BSON.deserialize(buf.subarray(off, off + size), DESERIALIZE_OPTIONS));
      off += size;
      if (doc !== null) {
        const wait = writer.add(doc);
        if (wait) await wait;
      }
    }
    rest = off < buf.length ? buf.subarray(off) : null;
  }
  if (rest) throw new Error(`${rest.length} trailing bytes: a torn last document`);
  return read;
}

const cpu0 = process.cpuUsage();
const t0 = process.hrtime.bigint();
const writer = new BsonWriter(outPath);
const read = mode === 'bson-transform' ? await bsonToBson(writer)
  : await jsonlToBson(writer, mode === 'jsonl-transform');
await writer.close();
const wall = Number(process.hrtime.bigint() - t0) / 1e9;
const cpu = process.cpuUsage(cpu0);
const cpuSeconds = (cpu.user + cpu.system) / 1e6;
console.log(`node ${mode}: ${read} read, ${writer.written} written, ${wall.toFixed(3)} s, ` +
  `${cpuSeconds.toFixed(3)} CPU-s, ${Math.round(read / wall)} docs/s, ` +
  `${Math.round(read / cpuSeconds)} docs/CPU-s`);

// Checks that two BSON files hold the same documents in the same order, so a benchmark
// compares like with like: counts documents byte-identical, documents equal in value with only
// a numeric type changed (the JSON.parse limit migrate_peer.mjs names: 12.0 read as Int32),
// and documents that differ (the first one is printed). Exit 0 when the counts match and no
// document differs, else 1.
// Usage: node compare_bson.mjs A.bson B.bson
import { readFileSync } from 'node:fs';
import { BSON, EJSON } from 'bson';

const [pathA, pathB] = process.argv.slice(2);
if (!pathA || !pathB) {
  console.error('usage: node compare_bson.mjs A.bson B.bson');
  process.exit(2);
}

function* documents(path) {
  const buf = readFileSync(path);
  for (let off = 0; off < buf.length;) {
    const size = buf.readInt32LE(off);
    if (size < 5 || off + size > buf.length) throw new Error(`${path}: torn document at byte ${off}`);
    yield buf.subarray(off, off + size);
    off += size;
  }
}
// Numbers promoted to JavaScript numbers, so Int32 61 and Double 61.0 read the same; field order kept.
const valueText = (bytes) => EJSON.stringify(BSON.deserialize(bytes), { relaxed: true });

const a = [...documents(pathA)];
const b = [...documents(pathB)];
let identical = 0, numericType = 0, differ = 0;
for (let i = 0; i < Math.min(a.length, b.length); i++) {
  if (a[i].equals(b[i])) { identical++; continue; }
  const ta = valueText(a[i]), tb = valueText(b[i]);
  if (ta === tb) { numericType++; continue; }
  if (differ++ === 0) console.log(`first difference, document ${i}:\n  ${ta}\n  ${tb}`);
}
console.log(`${a.length} vs ${b.length} documents: ${identical} byte-identical, ` +
  `${numericType} equal in value with a numeric type changed, ${differ} different`);
process.exit(a.length === b.length && differ === 0 ? 0 : 1);

// Reads asrun's JSON lines with the official `bson` package (pinned in package.json) as a
// Node.js consumer would, and prints what it made of each line, for tests/e2e/json_format_spec.lua:
//   node ejson_reread.mjs canonical|relaxed FILE.jsonl
// canonical: EJSON.parse(line, {relaxed: false}) keeps BSON wrapper classes (Int32, Long,
// Double, ...); relaxed: EJSON.parse(line) as most applications call it (plain JS numbers).
// One JSON object a line on stdout: {"classes": {field: class}, "bson": hex}, where class is
// the value's _bsontype ("Int32", "Long", "Double", "Decimal128", "Binary", ...) or "Date",
// "null", "string", "boolean", "number", "object", "array", and bson is BSON.serialize of
// the parsed document (the bytes the package would store).
import { readFileSync } from "node:fs";
import { BSON, EJSON } from "bson";

const [mode, file] = process.argv.slice(2);
if ((mode !== "canonical" && mode !== "relaxed") || !file) {
  process.stderr.write("usage: node ejson_reread.mjs canonical|relaxed FILE.jsonl\n");
  process.exit(2);
}

function className(v) {
  if (v === null) return "null";
  if (v === undefined) return "undefined";
  if (v instanceof Date) return "Date";
  if (Array.isArray(v)) return "array";
  if (typeof v === "object") return v._bsontype ?? "object";
  return typeof v;
}

const out = [];
for (const line of readFileSync(file, "utf8").split("\n")) {
  if (!line) continue;
  const doc = EJSON.parse(line, { relaxed: mode === "relaxed" });
  const classes = {};
  for (const [k, v] of Object.entries(doc)) classes[k] = className(v);
  out.push(JSON.stringify({ classes, bson: Buffer.from(BSON.serialize(doc)).toString("hex") }));
}
process.stdout.write(out.join("\n") + "\n");

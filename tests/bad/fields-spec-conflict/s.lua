local asrun = require("asrun")
return {
  source = "jsonl:in.jsonl",
  target = "null:",
  transform = asrun.fields{ drop = {"notes"}, rename = {notes = "memo"} },
}

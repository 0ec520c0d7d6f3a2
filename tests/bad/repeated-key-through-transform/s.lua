return { source = 'jsonl:in.jsonl', target = 'file:out.jsonl', transform = function(d) return d end }

return { source = 'template:t.json', total = 5, target = 'file:out.jsonl', transform = function(d) error('no good') end }

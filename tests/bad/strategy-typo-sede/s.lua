return { source = 'template:t.json', total = 5, target = 'out.jsonl', sede = 7 }

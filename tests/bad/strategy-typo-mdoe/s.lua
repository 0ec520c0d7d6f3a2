return { source = 'template:t.json', total = 5, target = { uri = 'out.jsonl', mdoe = 'upsert' } }

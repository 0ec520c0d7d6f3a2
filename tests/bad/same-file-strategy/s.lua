return { source = 'template:t.json', total = 2 }

return { source = 'template:t.json', total = 5, workers = 'many' }

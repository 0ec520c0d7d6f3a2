return { source = 'template:t.json', total = 3, target = 'file:out.bson', transform = function(d) d['k\255'] = 1 return d end }

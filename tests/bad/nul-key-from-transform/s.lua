return { source = 'template:t.json', total = 2, target = 'file:out.bson', transform = function(d) d['z\0w'] = 1 return d end }

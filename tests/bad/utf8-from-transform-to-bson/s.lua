return { source = 'template:t.json', total = 3, target = 'file:out.bson', transform = function(d) d.s = 'ok\255' return d end }

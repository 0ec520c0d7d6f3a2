return { source = 'template:t.json', total = 3, target = 'file:out.bson', transform = function(d) if d.i == 1 then d.s = string.rep('x', 16 * 1024 * 1024) end return d end }

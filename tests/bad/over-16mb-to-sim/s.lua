return { source = 'template:t.json', total = 3, target = 'sim:latency_ms=0', transform = function(d) if d.i == 1 then d.s = string.rep('x', 17 * 1024 * 1024) end return d end }

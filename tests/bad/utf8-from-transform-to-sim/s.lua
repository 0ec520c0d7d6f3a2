return { source = 'template:t.json', total = 3, target = 'sim:latency_ms=0', transform = function(d) d.s = 'ok\255' return d end }

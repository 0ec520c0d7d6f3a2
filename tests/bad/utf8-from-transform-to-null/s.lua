return { source = 'template:t.json', total = 3, target = 'null:', transform = function(d) d.s = 'ok\255' return d end }

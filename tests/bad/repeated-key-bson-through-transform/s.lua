return { source = 'bson:in.bson', target = 'file:out.bson', transform = function(d) return d end }

local t = nil return { name = t.x }

-- The requests file of `make bench`, read by wrk_report.lua and wrk_once.lua: one request a
-- line, tab-separated: method, path, Cookie header, body, "1" for an htmx request.
-- `request_from(line)` returns the request as wrk sends it (wrk.format).
return function(line)
  local method, path, cookie, body, htmx =
    line:match("^([^\t]*)\t([^\t]*)\t([^\t]*)\t([^\t]*)\t([^\t]*)$")
  local headers = {}
  if cookie ~= "" then
    headers["Cookie"] = cookie
  end
  if htmx == "1" then
    headers["HX-Request"] = "true"
  end
  if method == "POST" then
    headers["Content-Type"] = "application/x-www-form-urlencoded"
  end
  return wrk.format(method, path, headers, body ~= "" and body or nil)
end

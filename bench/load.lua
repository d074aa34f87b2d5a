-- wrk's script for Baton's benchmark and soak (bench/http.sh, bench/soak.sh):
-- one load tool for Baton and for the floor's bare route, so their ratio
-- compares servers, not clients. Configured by the environment, read when
-- each thread loads this file (wrk decides then whether requests are built
-- per call, so the mode cannot come from init's arguments):
--
--   BATON_WRK_MODE     get (default), write or mixed
--   BATON_WRK_OUT      where done() writes its one JSON object (default stdout)
--   BATON_WRK_TOKEN    the sender's bearer token
--   BATON_WRK_PATHS    get: a file of paths to rotate over, one a line
--                      (unset: wrk's URL path, the cheapest static request);
--                      mixed: the gate-check paths
--   BATON_WRK_RECEIVER_TOKEN  write, mixed: the receiver's token
--   BATON_WRK_CREATES  write, mixed: a file of POST /api/v1/handoffs bodies,
--                      one a line (one per account)
--   BATON_WRK_ACCEPT   write, mixed: a file holding the accept body
--   BATON_WRK_READS    mixed: a file of handoff paths to read
--   BATON_WRK_SCORECARD, BATON_WRK_SIGNIN  mixed: the scorecard's path and
--                      a sign-in body
--
-- write: per handoff, create as the sender (201, a draft), submit it, accept
-- it as the receiver. wrk shows Lua no connection, so the state machine is
-- per thread: every answer names its handoff, and the next request of any
-- of the thread's connections takes the most advanced pending step (accept,
-- then submit, then a new create). Each connection keeps one request in
-- flight, as a closed-loop client does; handoffs in flight are at most the
-- connections.
--
-- mixed (the soak's traffic): out of every 40 turns, 1 sign-in, 6 writes, 12
-- gate checks, 6 scorecards and 15 handoff reads.

local mode = os.getenv("BATON_WRK_MODE") or "get"
local env = os.getenv

local function lines(path)
  local out = {}
  if path then
    for l in io.lines(path) do
      if l ~= "" then
        out[#out + 1] = l
      end
    end
  end
  return out
end

local function slurp(path)
  return path and table.concat(lines(path), "\n") or nil
end

local function json_string(s)
  s = tostring(s):gsub('[%c"\\]', function(c)
    if c == '"' or c == "\\" then
      return "\\" .. c
    end
    return string.format("\\u%04x", c:byte())
  end)
  return '"' .. s .. '"'
end

-- Per thread ------------------------------------------------------------

local sender = env("BATON_WRK_TOKEN") and { Authorization = "Bearer " .. env("BATON_WRK_TOKEN") } or {}
local receiver = env("BATON_WRK_RECEIVER_TOKEN")
    and { Authorization = "Bearer " .. env("BATON_WRK_RECEIVER_TOKEN"), ["Content-Type"] = "application/json" }
local sender_json = { ["Content-Type"] = "application/json" }
for k, v in pairs(sender) do
  sender_json[k] = v
end

local paths, creates, reads = {}, {}, {}
local accept_body, scorecard, signin
local turn = 0
-- Counters read by done() through thread:get.
kinds = { create = 0, submit = 0, accept = 0, gate = 0, scorecard = 0, read = 0, signin = 0 }
accepted, non_2xx, first_error = 0, 0, nil

-- The handoffs this thread created and has not finished, and the steps due.
local mine, to_submit, to_accept = {}, {}, {}

function init(args)
  -- Threads start at different places so they ask about different rows.
  -- `index` is set by setup(), which wrk runs before init.
  turn = (index or 0) * 7919
  paths = lines(env("BATON_WRK_PATHS"))
  if mode ~= "get" then
    creates = lines(env("BATON_WRK_CREATES"))
    accept_body = slurp(env("BATON_WRK_ACCEPT")) or "{}"
    reads = lines(env("BATON_WRK_READS"))
    scorecard = env("BATON_WRK_SCORECARD")
    signin = env("BATON_WRK_SIGNIN")
  end
end

local function handoff_step()
  local id = table.remove(to_accept)
  if id then
    kinds.accept = kinds.accept + 1
    return wrk.format("POST", "/api/v1/handoffs/" .. id .. "/accept", receiver, accept_body)
  end
  id = table.remove(to_submit)
  if id then
    kinds.submit = kinds.submit + 1
    return wrk.format("POST", "/api/v1/handoffs/" .. id .. "/submit", sender, "")
  end
  return nil
end

local function create()
  kinds.create = kinds.create + 1
  return wrk.format("POST", "/api/v1/handoffs", sender_json, creates[turn % #creates + 1])
end

local function get(kind, path)
  kinds[kind] = kinds[kind] + 1
  return wrk.format("GET", path, sender)
end

-- The kind of a mixed turn, in the proportions above.
local function mixed_kind(t)
  local k = t % 40
  if k == 0 then
    return "signin"
  elseif k <= 6 then
    return "write"
  elseif k <= 18 then
    return "gate"
  elseif k <= 24 then
    return "scorecard"
  end
  return "read"
end

-- Records an answer other than 2xx (wrk itself counts only those > 399).
local function failed(status, body)
  non_2xx = non_2xx + 1
  if not first_error then
    first_error = "HTTP " .. status .. ": " .. body:sub(1, 300)
  end
end

-- The state machine of the write path: an answer names its handoff (its
-- first key is the id) and its state.
local function follow(status, headers, body)
  body = body or ""
  if status < 200 or status > 299 then
    failed(status, body)
    return
  end
  local id = body:match('^{"id":"([^"]+)"')
  if not id then
    return
  end
  if status == 201 then
    mine[id] = true
    to_submit[#to_submit + 1] = id
  elseif mine[id] then
    local state = body:match('"state":"(%a+)"')
    if state == "submitted" then
      to_accept[#to_accept + 1] = id
    elseif state == "accepted" then
      mine[id] = nil
      accepted = accepted + 1
    end
  end
end

if mode == "get" then
  if env("BATON_WRK_PATHS") then
    function request()
      turn = turn + 1
      return wrk.format("GET", paths[turn % #paths + 1], sender)
    end
  else
    for k, v in pairs(sender) do
      wrk.headers[k] = v
    end
  end
elseif mode == "write" then
  function request()
    local step = handoff_step()
    if step then
      return step
    end
    turn = turn + 1
    return create()
  end
  response = follow
elseif mode == "mixed" then
  function request()
    local step = handoff_step()
    if step then
      return step
    end
    turn = turn + 1
    local kind = mixed_kind(turn)
    if kind == "write" then
      return create()
    elseif kind == "gate" then
      return get("gate", paths[turn % #paths + 1])
    elseif kind == "scorecard" then
      return get("scorecard", scorecard)
    elseif kind == "read" then
      return get("read", reads[turn % #reads + 1])
    end
    kinds.signin = kinds.signin + 1
    return wrk.format("POST", "/api/v1/session", { ["Content-Type"] = "application/json" }, signin)
  end
  response = follow
else
  error("BATON_WRK_MODE must be get, write or mixed, not " .. mode)
end

-- Setup and done (wrk's main environment) -------------------------------

local threads = {}

function setup(thread)
  thread:set("index", #threads)
  threads[#threads + 1] = thread
end

function done(summary, latency, requests)
  local secs = summary.duration / 1e6
  local e = summary.errors
  local total = { create = 0, submit = 0, accept = 0, gate = 0, scorecard = 0, read = 0, signin = 0 }
  local handoffs, bad, first = 0, 0, nil
  for _, t in ipairs(threads) do
    handoffs = handoffs + (t:get("accepted") or 0)
    bad = bad + (t:get("non_2xx") or 0)
    first = first or t:get("first_error")
    local k = t:get("kinds") or {}
    for name, n in pairs(k) do
      total[name] = total[name] + n
    end
  end
  local ms = function(us)
    return string.format("%.3f", us / 1000)
  end
  local parts = {
    '"mode":' .. json_string(mode),
    '"connections":' .. (env("BATON_WRK_CONNECTIONS") or "null"),
    '"duration_s":' .. string.format("%.3f", secs),
    '"requests":' .. summary.requests,
    '"req_per_s":' .. string.format("%.1f", summary.requests / secs),
    '"p50_ms":' .. ms(latency:percentile(50)),
    '"p90_ms":' .. ms(latency:percentile(90)),
    '"p99_ms":' .. ms(latency:percentile(99)),
    '"max_ms":' .. ms(latency.max),
    -- Socket errors and timeouts, plus every answer other than 2xx where the
    -- script reads answers (else wrk's count of those > 399).
    '"errors":' .. (e.connect + e.read + e.write + e.timeout + (mode == "get" and e.status or bad)),
    '"first_error":' .. (first and json_string(first) or "null"),
  }
  if mode ~= "get" then
    parts[#parts + 1] = '"handoffs":' .. handoffs
    parts[#parts + 1] = '"handoffs_per_s":' .. string.format("%.1f", handoffs / secs)
    local k = {}
    for name, n in pairs(total) do
      k[#k + 1] = json_string(name) .. ":" .. n
    end
    table.sort(k)
    parts[#parts + 1] = '"kinds":{' .. table.concat(k, ",") .. "}"
  end
  local line = "{" .. table.concat(parts, ",") .. "}\n"
  local out = env("BATON_WRK_OUT")
  if out then
    local f = assert(io.open(out, "w"))
    f:write(line)
    f:close()
  else
    io.write(line)
  end
end

-- wrk script for bench/interview_day.py: candidates of a big interview day, as portal.js drives them.
--
--   wrk -t N -c N -s bench/interview_day.lua URL -- STATE_FILE MODE N
--
-- One connection per thread, so each response is known to answer the thread's last request, and
-- each thread drives its own share of the sessions (no two connections act for one candidate).
-- STATE_FILE lines: "W key" (waiting: resyncs), "S key" (window open, not started: starts),
-- "P key question_id client_id" (in progress: heartbeats and answers).
-- MODE "mix": heartbeats, resyncs, answers and starts in the weights below; "heartbeat": only
-- heartbeats that change nothing; "bare": the bare route (/bench/ok), through this same client,
-- so both sides of a ratio pay the same client costs. A response that is not what the candidate
-- should see counts as an error (printed by done() as "ERRORS n").

local WEIGHTS = { heartbeat = 40, resync = 20, answer = 5, start = 1 }
local ANSWER_TEXT = "I would start from the requirements, then measure before changing anything."

local threads = {}
local counter = 0

function setup(thread)
  thread:set("index", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

local function urlencode(text)
  return (text:gsub("[^%w%-_%.~]", function(c) return string.format("%%%02X", string.byte(c)) end))
end

function init(args)
  local state_file, total_threads = args[1], tonumber(args[3])
  mode = args[2]
  waiting, unstarted, live = {}, {}, {}
  local n = 0
  for line in io.lines(state_file) do
    if n % total_threads == index then
      local kind, key, question, client = line:match("^(%S+) (%S+) ?(%S*) ?(%S*)$")
      if kind == "W" then table.insert(waiting, key)
      elseif kind == "S" then table.insert(unstarted, key)
      elseif kind == "P" then table.insert(live, { key = key, question = question, client = client })
      end
    end
    n = n + 1
  end
  errors, first_error, cookie, token, pending = 0, "", nil, nil, nil
  local total = 0
  for _, weight in pairs(WEIGHTS) do total = total + weight end
  weight_total = total
  math.randomseed(index * 7919 + os.time())
end

local function pick(list)
  return list[math.random(#list)]
end

local function get(path, headers)
  return wrk.format("GET", path, headers)
end

local function post(path, fields)
  local parts = { "csrf_token=" .. urlencode(token) }
  for name, value in pairs(fields) do table.insert(parts, name .. "=" .. urlencode(value)) end
  return wrk.format("POST", path, { ["HX-Request"] = "true", ["Cookie"] = cookie,
    ["Content-Type"] = "application/x-www-form-urlencoded" }, table.concat(parts, "&"))
end

local function heartbeat()
  local session = pick(live)
  pending = { kind = "heartbeat", session = session }
  if session.heartbeat == nil then  -- formatted once per question shown
    session.heartbeat = get("/interview/stage?session_key=" .. session.key .. "&question_id=" .. session.question
      .. "&client_id=" .. session.client, { ["HX-Request"] = "true" })
  end
  return session.heartbeat
end

function request()
  if mode == "bare" then
    pending = { kind = "bare" }
    bare_request = bare_request or get("/bench/ok")
    return bare_request
  end
  if token == nil then  -- first, one question page: its form's CSRF token and the cookie it belongs to
    pending = { kind = "bootstrap" }
    return get("/?session_key=" .. live[1].key)
  end
  if mode == "heartbeat" then return heartbeat() end
  local roll = math.random(weight_total)
  if roll <= WEIGHTS.start then
    local key = table.remove(unstarted)
    if key then
      pending = { kind = "start", session = { key = key, client = "tab-" .. key:sub(1, 16) } }
    else  -- everyone has started: a reload of a running interview claims it again
      pending = { kind = "start", session = pick(live) }
    end
    return post("/interview/start", { session_key = pending.session.key, client_id = pending.session.client })
  end
  roll = roll - WEIGHTS.start
  if roll <= WEIGHTS.answer and #live > 0 then
    local session = pick(live)
    pending = { kind = "answer", session = session }
    return post("/interview/answer", { session_key = session.key, question_id = session.question,
      client_id = session.client, text = ANSWER_TEXT })
  end
  roll = roll - WEIGHTS.answer
  if roll <= WEIGHTS.resync and #waiting > 0 then
    pending = { kind = "resync" }
    return get("/interview/stage?session_key=" .. pick(waiting), { ["HX-Request"] = "true" })
  end
  return heartbeat()
end

local function wrong(kind, status, body)
  if errors == 0 then first_error = kind .. " " .. status .. ": " .. body:sub(1, 300):gsub("%s+", " ") end
  errors = errors + 1
end

local function forget(session)
  for n, other in ipairs(live) do
    if other == session then table.remove(live, n) return end
  end
end

-- After a start or an answer: the stage shows the session's (next) question, or the end.
local function follow(session, body, answered)
  local question = body:match('data%-question%-id="([^"]+)"')
  if question and question ~= answered then
    if session.question == nil then table.insert(live, session) end
    session.question, session.heartbeat = question, nil
  elseif body:find('data-view="completed"', 1, true) then
    forget(session)
  else
    wrong("answer or start", 200, body)
  end
end

function response(status, headers, body)
  local sent = pending
  pending = nil
  if sent.kind == "bare" then
    if status ~= 200 then wrong("bare", status, body) end
  elseif sent.kind == "bootstrap" then
    token = body:match('name="csrf_token"[^>]*value="([^"]+)"')
    cookie = (headers["Set-Cookie"] or ""):match("^[^;]+")
    if token == nil or cookie == nil then wrong("bootstrap", status, body) token = "" cookie = "" end
  elseif sent.kind == "heartbeat" then
    if status ~= 204 then wrong("heartbeat " .. sent.session.question .. " " .. sent.session.key, status, body) end  -- nothing changed: anything but 204 is wrong
  elseif sent.kind == "resync" then
    if status ~= 200 or not body:find('data-view="countdown"', 1, true) then wrong("resync", status, body) end
  elseif status ~= 200 then
    wrong(sent.kind, status, body)
  elseif sent.kind == "answer" then
    follow(sent.session, body, sent.session.question)
  else
    follow(sent.session, body, nil)
  end
end

function done(summary, latency, requests)
  local failed = 0
  for _, thread in ipairs(threads) do
    if failed == 0 and thread:get("errors") > 0 then io.write("FIRST_ERROR " .. thread:get("first_error") .. "\n") end
    failed = failed + thread:get("errors")
  end
  io.write(string.format("ERRORS %d\nP95_US %d\n", failed, latency:percentile(95.0)))
end

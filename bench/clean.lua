-- wrk script: cleaning sign-offs through the scan page's form (POST /t/<token>/clean, multipart as a phone sends
-- it), keep-alive, each request a fresh submission id and a (janitor, place) pair not used before in this run,
-- because a repeat sign-off of the same place by the same person within 5 minutes is answered, not stored.
--   wrk -s bench/clean.lua URL -- ACCOUNTS_FILE ROUND FIRST_PAIR
-- ACCOUNTS_FILE (Lua) sets `accounts` = {{cookie=..., csrf=...}, ...} and `tokens` = {"TOKEN", ...}.
local threads = {}
local next_id = 0

function setup(thread)
  thread:set("id", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end

local count, round, first, nthreads = 0, 0, 0, 1
local boundary = "----houqinbench"

function init(args)
  dofile(args[1])
  round = tonumber(args[2])
  first = tonumber(args[3])
  nthreads = tonumber(args[4])
end

function request()
  local k = first + id + count * nthreads
  count = count + 1
  local account = accounts[(k % #accounts) + 1]
  local token = tokens[(math.floor(k / #accounts) % #tokens) + 1]
  local sid = string.format("%08x-%04x-4000-8000-%012x", id, round, count)
  local body = "--" .. boundary .. "\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n" .. account.csrf ..
    "\r\n--" .. boundary .. "\r\nContent-Disposition: form-data; name=\"submission_id\"\r\n\r\n" .. sid ..
    "\r\n--" .. boundary .. "\r\nContent-Disposition: form-data; name=\"client_time\"\r\n\r\n" ..
    "\r\n--" .. boundary .. "--\r\n"
  return wrk.format("POST", "/t/" .. token .. "/clean",
    {["Cookie"] = account.cookie, ["Content-Type"] = "multipart/form-data; boundary=" .. boundary}, body)
end

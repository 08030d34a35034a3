-- Reference of goal 4 (issue 11): wrk 4.1 has no -R, so each connection waits 50 ms after each response
-- (delay() is called per request): 10 connections give ~200 requests/s. wrk records µs from send to response.
function delay()
  return 50
end

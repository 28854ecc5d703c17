-- Appends a batch of one node's messages to a room's stream: each the room's next contiguous
-- sequence number, exactly once per message id, whatever the retries. Runs inside Redis, so
-- nothing else interleaves; one call per batch pays Redis' per-command costs once.
--
-- KEYS[1]  the room's hash: epoch, and seq (the last sequence given)
-- KEYS[2]  the room's stream
-- KEYS[3]  the node instance's record, "COUNTER:SEQ": its highest counter appended and that
--          sequence, for the dedupe; it expires unless the instance appends, so that the runs
--          of nodes long gone leave nothing behind
-- ARGV     epoch (random bits from the node, taken only if the room has none yet), the
--          stream's MAXLEN, node, instance, the record's lifetime in milliseconds (longer than
--          the node retries a message), the number of messages, then for each: its counter,
--          `after` (the counter of the node's undecided message before it, 0 for none, which
--          must have gone in first), and its body, the JSON that every client receives
-- Each entry has two fields: `id`, "EPOCH SEQ NODE INSTANCE COUNTER" (the epoch so that a reader
-- tells a new room from the old one by the entry; node names have no spaces), and `body`. Few
-- fields: every node reads every entry, and Redis builds each reply field by field; and a body
-- encoded once by its sender is framed as it is by every reader.
-- Returns {epoch, result...} with one result per message, in order: 1 appended, or a retry of
-- one that went in already (kept once); 0 not appended because its `after` has not gone in
-- (ORDER): the node sends it again after that one. Pipelined appends can fail singly (NOSCRIPT
-- after a SCRIPT FLUSH until some node loads the script again), and a later one must not
-- overtake, or the dedupe would take the earlier one's retry for a duplicate.
local room, stream, record = KEYS[1], KEYS[2], KEYS[3]
local maxlen, node, instance, lifetime = ARGV[2], ARGV[3], ARGV[4], ARGV[5]
local count = tonumber(ARGV[6])
-- The epoch comes from the node: Redis 7.0's Lua math.random starts alike in every fresh server,
-- so an epoch drawn here would survive the loss of the data unchanged.
redis.call('HSETNX', room, 'epoch', ARGV[1])
local epoch = redis.call('HGET', room, 'epoch')
-- What follows the sequence in each entry's id, but the counter: built once for the batch.
local sender = ' ' .. node .. ' ' .. instance .. ' '
local last = redis.call('GET', record)
local highest, highest_seq = 0, 0
if last then
  local colon = string.find(last, ':', 1, true)
  highest = tonumber(string.sub(last, 1, colon - 1))
  highest_seq = tonumber(string.sub(last, colon + 1))
end
local seq = tonumber(redis.call('HGET', room, 'seq') or '0')
local first_seq = seq
local results = {epoch}
for i = 0, count - 1 do
  local at = 7 + i * 3
  local counter, after = tonumber(ARGV[at]), tonumber(ARGV[at + 1])
  if counter <= highest then
    results[#results + 1] = 1
  elseif highest < after then
    results[#results + 1] = 0
  else
    seq = seq + 1
    redis.call('XADD', stream, '*', 'id', epoch .. ' ' .. seq .. sender .. ARGV[at],
               'body', ARGV[at + 2])
    highest, highest_seq = counter, seq
    results[#results + 1] = 1
  end
end
if seq > first_seq then
  -- Trimmed once for the batch, which no other command sees half done.
  redis.call('XTRIM', stream, 'MAXLEN', '~', maxlen)
  redis.call('HSET', room, 'seq', seq)
  redis.call('SET', record, highest .. ':' .. highest_seq, 'PX', lifetime)
end
return results

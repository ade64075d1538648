"""Key names and Lua scripts of the Redis Streams queue.

Why scripts: XADD alone has no "add unless this id was added before". Checking a marker and adding
in two round trips lets two relays (or one relay retrying after a lost reply) both add. A script
runs atomically on the server, so the check, the XADD and the marker are one step, and running it
again (redis-py retries on a dropped connection) adds nothing. The same holds for dead-lettering:
the pending check, the copy to the dead-letter stream, the XACK and the XAUTOCLAIM of the rest
happen with no other client in between, so an entry is never both dead and delivered again.

All keys of one topic share the hash tag `{prefix:topic}`, so the scripts also run on a cluster."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class TopicKeys:
    prefix: str
    topic: str

    @property
    def tag(self) -> str:
        return "{" + f"{self.prefix}:{self.topic}" + "}"

    @property
    def stream(self) -> str:
        return f"{self.tag}:stream"

    def published(self, entry_id: str) -> str:
        """Marker of one published entry id; holds the stream id and expires after the dedup window."""
        return f"{self.tag}:published:{entry_id}"

    def dead(self, pool: str) -> str:
        return f"{self.tag}:dead:{pool}"


# KEYS: stream, published marker. ARGV: entry id, case ref, payload JSON, marker lifetime (seconds).
# Returns {1, stream id} when added, {0, stream id of the earlier entry} when the id was published before.
PUBLISH = """
local earlier = redis.call('GET', KEYS[2])
if earlier then
  return {0, earlier}
end
local id = redis.call('XADD', KEYS[1], '*', 'entry_id', ARGV[1], 'case_ref', ARGV[2], 'payload', ARGV[3])
redis.call('SET', KEYS[2], id, 'EX', ARGV[4])
return {1, id}
"""

# KEYS: stream, dead-letter stream of the pool. ARGV: group, consumer, min idle (ms), count, max deliveries.
# Idle entries delivered max-deliveries times are copied to the dead-letter stream and acknowledged;
# the others are taken over by the consumer with XAUTOCLAIM.
# Returns a list of {stream id, {field, value, ...}, deliveries including this one}.
RECLAIM = """
local group, consumer, min_idle = ARGV[1], ARGV[2], ARGV[3]
local limit = tonumber(ARGV[5])
local pending = redis.call('XPENDING', KEYS[1], group, 'IDLE', min_idle, '-', '+', ARGV[4])
local counts = {}
local keep = 0
for _, p in ipairs(pending) do
  local id, owner, deliveries = p[1], p[2], tonumber(p[4])
  if deliveries >= limit then
    local found = redis.call('XRANGE', KEYS[1], id, id)
    if #found > 0 then
      redis.call('XADD', KEYS[2], '*', 'stream_id', id, 'deliveries', deliveries, 'last_consumer', owner,
                 unpack(found[1][2]))
    end
    redis.call('XACK', KEYS[1], group, id)
  else
    counts[id] = deliveries
    keep = keep + 1
  end
end
if keep == 0 then
  return {}
end
-- The first `keep` idle entries are now exactly the ones kept above.
local taken = redis.call('XAUTOCLAIM', KEYS[1], group, consumer, min_idle, '0-0', 'COUNT', keep)
local out = {}
for _, entry in ipairs(taken[2]) do
  local id, fields = entry[1], entry[2]
  if fields then
    local before = counts[id]
    if not before then
      local info = redis.call('XPENDING', KEYS[1], group, id, id, 1)
      before = tonumber(info[1][4]) - 1
    end
    table.insert(out, {id, fields, before + 1})
  end
end
return out
"""

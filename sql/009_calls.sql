-- Queue calls that ended, for reports: one row per member leg, answered (AgentComplete: the talk is
-- over) or missed (AgentRingNoAnswer). Calls in progress are live state and are not stored. Every
-- instance sees the same AMI event and tries to write it; the unique key keeps one row per leg.
CREATE TABLE queue_calls (
  id               bigserial PRIMARY KEY,
  outcome          text NOT NULL CHECK (outcome IN ('answered', 'missed')),
  queue            text NOT NULL,
  interface        text NOT NULL,
  -- the agent logged in on that interface at the time; NULL for a member agentgate does not know
  agent            text,
  caller           text,
  -- the caller's channel and the channel that rang the member: one pair per leg
  caller_uniqueid  text NOT NULL,
  member_uniqueid  text NOT NULL,
  -- answered: when the agent answered, and when the call ended; missed: when the ring began and ended
  started          timestamptz NOT NULL,
  ended            timestamptz NOT NULL,
  hold_s           integer,
  talk_s           integer,
  ring_ms          integer,
  -- answered: who hung up, as Asterisk says (caller, agent, transfer)
  ended_by         text,
  UNIQUE (caller_uniqueid, member_uniqueid)
);
CREATE INDEX queue_calls_started ON queue_calls (started);

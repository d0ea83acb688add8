-- Provisioned configuration: what may log in where.
CREATE TABLE queues (
  name        text PRIMARY KEY,
  number      text UNIQUE CHECK (number ~ '^[0-9]+$'),
  callcenter  boolean NOT NULL DEFAULT true,
  updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE extensions (
  exten            text PRIMARY KEY CHECK (exten ~ '^[0-9]+$'),
  callcenter       boolean NOT NULL DEFAULT true,
  -- NULL: the MEMBER_INTERFACE template applies.
  interface        text,
  state_interface  text,
  updated_at       timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE agents (
  login       text PRIMARY KEY,
  name        text NOT NULL,
  -- scrypt$N$r$p$salt$hash, never the PIN itself.
  pin_hash    text,
  updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE agent_queues (
  agent  text NOT NULL REFERENCES agents (login) ON DELETE CASCADE,
  queue  text NOT NULL REFERENCES queues (name) ON DELETE CASCADE,
  PRIMARY KEY (agent, queue)
);

CREATE TABLE pause_reasons (
  code  integer PRIMARY KEY CHECK (code >= 0),
  name  text NOT NULL
);
CREATE UNIQUE INDEX pause_reasons_name ON pause_reasons (lower(name));

-- Live state: who is logged in where. One row per logged-in agent; an extension holds one agent.
CREATE TABLE agent_sessions (
  agent            text PRIMARY KEY REFERENCES agents (login),
  exten            text NOT NULL UNIQUE REFERENCES extensions (exten),
  interface        text NOT NULL,
  state_interface  text,
  member_name      text NOT NULL,
  paused           boolean NOT NULL DEFAULT false,
  reason           text,
  -- when the current state (available / paused) began
  since            timestamptz NOT NULL DEFAULT now(),
  logged_in_at     timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE session_queues (
  agent  text NOT NULL REFERENCES agent_sessions (agent) ON DELETE CASCADE,
  queue  text NOT NULL REFERENCES queues (name),
  since  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (agent, queue)
);

-- Append-only record of every transition, for reports (pause time by reason).
CREATE TABLE events (
  id      bigserial PRIMARY KEY,
  at      timestamptz NOT NULL DEFAULT clock_timestamp(),
  agent   text NOT NULL,
  exten   text,
  queue   text,
  kind    text NOT NULL CHECK (kind IN ('login', 'logoff', 'pause', 'unpause')),
  reason  text,
  source  text NOT NULL CHECK (source IN ('http', 'phone', 'pbx', 'resync'))
);
CREATE INDEX events_agent_at ON events (agent, at);
CREATE INDEX events_at ON events (at);

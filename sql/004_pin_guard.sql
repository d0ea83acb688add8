-- Phone PIN guessing: wrong PINs per agent number as typed (unknown numbers too, so that a lockout
-- says nothing about which numbers are agents), and the lockouts they caused. Shared by every
-- instance, and kept across restarts.
CREATE TABLE pin_failures (
  id     bigserial PRIMARY KEY,
  agent  text NOT NULL,
  at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX pin_failures_agent_at ON pin_failures (agent, at);

CREATE TABLE pin_lockouts (
  agent  text PRIMARY KEY,
  until  timestamptz NOT NULL
);

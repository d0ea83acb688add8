-- The processes that may hold intents or the resync lease, so that what a dead one left is taken
-- over as soon as it is gone rather than when its deadlines pass. Each process beats `seen` and, for
-- as long as it runs, holds the session advisory lock (7346013, hashtext(holder)) on a connection
-- of its own: Postgres frees it the moment that connection's process dies (kill -9 and OOM close its
-- socket). A holder that stopped beating and whose lock nobody holds is gone. One whose lock stays
-- held (a host that lost power leaves its socket open) keeps the old rule: its deadlines.
CREATE TABLE holders (
  holder  text PRIMARY KEY,
  seen    timestamptz NOT NULL DEFAULT clock_timestamp()
);

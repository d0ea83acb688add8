-- Which instance may run a resync now: one at a time across every instance on this database.
CREATE TABLE resync_lease (
  id      integer PRIMARY KEY CHECK (id = 1),
  holder  text,
  until   timestamptz NOT NULL DEFAULT '-infinity'
);
INSERT INTO resync_lease (id) VALUES (1);

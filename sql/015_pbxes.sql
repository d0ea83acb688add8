-- Several Asterisk servers (CONTRACT §9): each queue and extension belongs to one PBX. Rows that
-- predate this belong to `default`, the PBX the AMI_* variables describe, so a database without
-- any `pbxes` row works exactly as before. The AMI secret is never stored: `secret_env` names the
-- environment variable that holds it.
CREATE TABLE pbxes (
  name              text PRIMARY KEY CHECK (name ~ '^[A-Za-z0-9_.-]{1,64}$'),
  host              text NOT NULL,
  port              integer NOT NULL CHECK (port BETWEEN 1 AND 65535),
  username          text NOT NULL,
  secret_env        text NOT NULL,
  agi_from          text[] NOT NULL DEFAULT '{}',
  remote_interface  text,
  updated_at        timestamptz NOT NULL DEFAULT now()
);
ALTER TABLE queues ADD COLUMN pbx text NOT NULL DEFAULT 'default';
ALTER TABLE extensions ADD COLUMN pbx text NOT NULL DEFAULT 'default';

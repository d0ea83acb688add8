-- The language an agent's or an extension's prompts are played in (README "Phone"): an Asterisk
-- sound folder name, `pt_BR` or `en`. NULL: the channel's own language decides (PROMPT_LANGUAGE for
-- a channel left at Asterisk's default). Provisioning accepts only the shipped languages; no CHECK
-- here, so shipping another language needs no migration.
ALTER TABLE agents ADD COLUMN language text;
ALTER TABLE extensions ADD COLUMN language text;

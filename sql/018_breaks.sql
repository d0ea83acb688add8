-- The breaks the law requires (CONTRACT §10, docs/pauses.md "Breaks"): a pause reason may count as
-- a rest break or a meal break, and the numbers the breaks report judges by are provisioned once.
-- A database without a `shift_rules` row judges by the defaults (src/reports/shift-rules.ts).
ALTER TABLE pause_reasons ADD COLUMN break text CHECK (break IN ('rest', 'meal'));
CREATE TABLE shift_rules (
  one         boolean PRIMARY KEY DEFAULT true CHECK (one),
  rules       jsonb NOT NULL,
  updated_at  timestamptz NOT NULL DEFAULT now()
);

-- Tamper-evident audit: every entry carries seq, the previous entry's hash and its own hash,
-- sha256(audit_canonical(entry) || prev_hash). The database computes them in a BEFORE INSERT
-- trigger, so every writer is chained, and the one-row chain head is locked for it, so
-- concurrent writers queue instead of forking the chain. `npm run audit:verify` checks it.
ALTER TABLE "audit_log" ADD COLUMN "seq" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "audit_log" ADD COLUMN "prev_hash" text DEFAULT '' NOT NULL;--> statement-breakpoint
ALTER TABLE "audit_log" ADD COLUMN "hash" text DEFAULT '' NOT NULL;--> statement-breakpoint
CREATE TABLE "audit_chain_head" (
  "id" integer PRIMARY KEY CHECK ("id" = 1),
  "seq" bigint NOT NULL,
  "hash" text NOT NULL
);--> statement-breakpoint
INSERT INTO "audit_chain_head" ("id", "seq", "hash") VALUES (1, 0, repeat('0', 64));--> statement-breakpoint
-- The canonical serialization: a JSON array of every column but the chain's own, as jsonb text
-- (deterministic: jsonb orders object keys and normalises spacing); `at` in UTC to the microsecond.
CREATE OR REPLACE FUNCTION audit_canonical(a audit_log) RETURNS text LANGUAGE sql STABLE AS $$
  SELECT jsonb_build_array(
    a.seq, a.id, to_char(a.at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), a.actor_id, a.actor, a.action,
    a.entity_type, a.entity_id, a.department_id, a.before, a.after
  )::text
$$;--> statement-breakpoint
CREATE OR REPLACE FUNCTION audit_log_chain() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  head audit_chain_head%ROWTYPE;
BEGIN
  -- Held until the writer's transaction ends: the next writer reads this entry's hash.
  SELECT * INTO head FROM audit_chain_head WHERE id = 1 FOR UPDATE;
  NEW.seq := head.seq + 1;
  NEW.prev_hash := head.hash;
  NEW.hash := encode(sha256(convert_to(audit_canonical(NEW) || head.hash, 'UTF8')), 'hex');
  UPDATE audit_chain_head SET seq = NEW.seq, hash = NEW.hash WHERE id = 1;
  RETURN NEW;
END;
$$;--> statement-breakpoint
-- Existing entries join the chain here, in id order (the append-only trigger is off for this one statement's transaction).
ALTER TABLE "audit_log" DISABLE TRIGGER audit_log_no_update;--> statement-breakpoint
DO $$
DECLARE
  r audit_log%ROWTYPE;
  prev text := repeat('0', 64);
  n bigint := 0;
BEGIN
  FOR r IN SELECT * FROM audit_log ORDER BY id LOOP
    n := n + 1;
    r.seq := n;
    r.prev_hash := prev;
    r.hash := encode(sha256(convert_to(audit_canonical(r) || prev, 'UTF8')), 'hex');
    UPDATE audit_log SET seq = r.seq, prev_hash = r.prev_hash, hash = r.hash WHERE id = r.id;
    prev := r.hash;
  END LOOP;
  UPDATE audit_chain_head SET seq = n, hash = prev WHERE id = 1;
END;
$$;--> statement-breakpoint
ALTER TABLE "audit_log" ENABLE TRIGGER audit_log_no_update;--> statement-breakpoint
CREATE TRIGGER audit_log_chain BEFORE INSERT ON audit_log FOR EACH ROW EXECUTE FUNCTION audit_log_chain();--> statement-breakpoint
-- The head moves only through the chain trigger.
CREATE TRIGGER audit_chain_head_no_delete BEFORE DELETE OR TRUNCATE ON audit_chain_head FOR EACH STATEMENT EXECUTE FUNCTION audit_log_refuse_change();--> statement-breakpoint
CREATE UNIQUE INDEX "audit_seq_idx" ON "audit_log" USING btree ("seq");

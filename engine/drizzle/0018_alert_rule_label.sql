ALTER TABLE "alerts" ADD COLUMN "rule_label" text DEFAULT '' NOT NULL;--> statement-breakpoint
ALTER TABLE "alerts" ADD COLUMN "rule_text" jsonb;

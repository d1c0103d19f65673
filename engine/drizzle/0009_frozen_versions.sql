ALTER TABLE "flow_versions" ADD COLUMN "format" integer;--> statement-breakpoint
ALTER TABLE "flow_versions" ADD COLUMN "content_hash" text;
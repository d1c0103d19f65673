-- A re-run names the run it repeats (same version, input and campaign), so each links to the other.
-- The runs list pages by (started_at, id) newest first; its index serves every filter that has none of its own.
ALTER TABLE "runs" ADD COLUMN "rerun_of" uuid;--> statement-breakpoint
ALTER TABLE "runs" ADD CONSTRAINT "runs_rerun_of_runs_id_fk" FOREIGN KEY ("rerun_of") REFERENCES "public"."runs"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "runs_rerun_of_idx" ON "runs" USING btree ("rerun_of");--> statement-breakpoint
CREATE INDEX "runs_started_id_idx" ON "runs" USING btree ("started_at","id");--> statement-breakpoint
CREATE INDEX "runs_campaign_started_idx" ON "runs" USING btree ("campaign_id","started_at");

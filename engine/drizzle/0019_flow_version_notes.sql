ALTER TABLE "flow_versions" ADD COLUMN "created_by" uuid;--> statement-breakpoint
ALTER TABLE "flow_versions" ADD CONSTRAINT "flow_versions_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "flows" ADD COLUMN "revision" integer DEFAULT 1 NOT NULL;

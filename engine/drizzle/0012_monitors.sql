CREATE TABLE "monitors" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"campaign_id" uuid NOT NULL,
	"workflow_id" text NOT NULL,
	"node_id" text NOT NULL,
	"execution_key" text NOT NULL,
	"config" jsonb NOT NULL,
	"state" jsonb,
	"statuses" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"watermark" timestamp with time zone,
	"next_wake" timestamp with time zone,
	"active" boolean DEFAULT true NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "alerts" ADD COLUMN "claimed_by" text;--> statement-breakpoint
ALTER TABLE "monitors" ADD CONSTRAINT "monitors_campaign_id_campaigns_id_fk" FOREIGN KEY ("campaign_id") REFERENCES "public"."campaigns"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "monitors_run_node_uq" ON "monitors" USING btree ("workflow_id","node_id");--> statement-breakpoint
CREATE INDEX "monitors_campaign_active_idx" ON "monitors" USING btree ("campaign_id") WHERE "monitors"."active";
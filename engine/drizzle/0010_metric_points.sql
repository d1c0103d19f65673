CREATE TABLE "metric_points" (
	"campaign_id" uuid NOT NULL,
	"channel" text NOT NULL,
	"metric" text NOT NULL,
	"ts" timestamp with time zone NOT NULL,
	"dimensions" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"dimensions_key" text DEFAULT '' NOT NULL,
	"value" double precision NOT NULL,
	"received_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "metric_points" ADD CONSTRAINT "metric_points_campaign_id_campaigns_id_fk" FOREIGN KEY ("campaign_id") REFERENCES "public"."campaigns"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "metric_points_key_idx" ON "metric_points" USING btree ("campaign_id","channel","metric","ts","dimensions_key");--> statement-breakpoint
CREATE INDEX "metric_points_campaign_ts_idx" ON "metric_points" USING btree ("campaign_id","ts");
-- The rendered message each delivery sends (recorded when an attempt claims it, so an unconfirmed
-- one can be sent again as it was), and the delivery a manual resend repeats. Never secrets:
-- only the text the recipient reads and the addresses it goes to.
ALTER TABLE "deliveries" ADD COLUMN "message" jsonb;--> statement-breakpoint
ALTER TABLE "deliveries" ADD COLUMN "resend_of" uuid;--> statement-breakpoint
ALTER TABLE "deliveries" ADD CONSTRAINT "deliveries_resend_of_deliveries_id_fk" FOREIGN KEY ("resend_of") REFERENCES "public"."deliveries"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "deliveries_resend_of_idx" ON "deliveries" USING btree ("resend_of");

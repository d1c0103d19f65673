ALTER TABLE "reviews" ADD COLUMN "execution_key" text;--> statement-breakpoint
CREATE UNIQUE INDEX "reviews_execution_key_uq" ON "reviews" USING btree ("execution_key") WHERE "reviews"."execution_key" IS NOT NULL;

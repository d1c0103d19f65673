CREATE TABLE "lessons" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"author_id" uuid,
	"department_id" uuid,
	"campaign_id" uuid,
	"review_version" integer,
	"run_id" uuid,
	"fact" text NOT NULL,
	"cause" text NOT NULL,
	"insight" text NOT NULL,
	"action" text NOT NULL,
	"kpi" text,
	"channel" text,
	"outcome" text,
	"lang" text DEFAULT 'en' NOT NULL,
	"shared" boolean DEFAULT false NOT NULL,
	"search_a" text DEFAULT '' NOT NULL,
	"search_b" text DEFAULT '' NOT NULL,
	"search" "tsvector" GENERATED ALWAYS AS (setweight(to_tsvector('simple'::regconfig, search_a), 'A') || setweight(to_tsvector('english'::regconfig, search_a), 'A') || setweight(to_tsvector('simple'::regconfig, search_b), 'B') || setweight(to_tsvector('english'::regconfig, search_b), 'B')) STORED NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "lessons" ADD CONSTRAINT "lessons_author_id_users_id_fk" FOREIGN KEY ("author_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "lessons" ADD CONSTRAINT "lessons_department_id_departments_id_fk" FOREIGN KEY ("department_id") REFERENCES "public"."departments"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "lessons" ADD CONSTRAINT "lessons_campaign_id_campaigns_id_fk" FOREIGN KEY ("campaign_id") REFERENCES "public"."campaigns"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "lessons" ADD CONSTRAINT "lessons_run_id_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."runs"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "lessons_search_idx" ON "lessons" USING gin ("search");--> statement-breakpoint
CREATE INDEX "lessons_department_created_idx" ON "lessons" USING btree ("department_id","created_at");--> statement-breakpoint
CREATE INDEX "lessons_campaign_idx" ON "lessons" USING btree ("campaign_id");--> statement-breakpoint
CREATE INDEX "lessons_shared_idx" ON "lessons" USING btree ("created_at") WHERE "lessons"."shared";
CREATE TABLE "work_tasks" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"run_id" uuid NOT NULL,
	"workflow_id" text NOT NULL,
	"node_id" text NOT NULL,
	"execution_key" text NOT NULL,
	"slot" integer NOT NULL,
	"kind" text NOT NULL,
	"title" text NOT NULL,
	"instructions" text DEFAULT '' NOT NULL,
	"assignee_user_id" uuid,
	"assignee_role" text,
	"assignee_department_id" uuid,
	"campaign_id" uuid,
	"hints" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"due_at" timestamp with time zone NOT NULL,
	"remind_every_ms" bigint,
	"status" text DEFAULT 'open' NOT NULL,
	"result" jsonb,
	"completed_by" uuid,
	"completed_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "work_tasks_one_assignee" CHECK (("assignee_user_id" IS NULL) <> ("assignee_role" IS NULL)),
	CONSTRAINT "work_tasks_kind" CHECK ("kind" IN ('task', 'lesson')),
	CONSTRAINT "work_tasks_status" CHECK ("status" IN ('open', 'done', 'timed_out', 'cancelled'))
);
--> statement-breakpoint
ALTER TABLE "work_tasks" ADD CONSTRAINT "work_tasks_run_id_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."runs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "work_tasks" ADD CONSTRAINT "work_tasks_assignee_user_id_users_id_fk" FOREIGN KEY ("assignee_user_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "work_tasks" ADD CONSTRAINT "work_tasks_assignee_department_id_departments_id_fk" FOREIGN KEY ("assignee_department_id") REFERENCES "public"."departments"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "work_tasks" ADD CONSTRAINT "work_tasks_campaign_id_campaigns_id_fk" FOREIGN KEY ("campaign_id") REFERENCES "public"."campaigns"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "work_tasks" ADD CONSTRAINT "work_tasks_completed_by_users_id_fk" FOREIGN KEY ("completed_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "work_tasks_execution_slot_idx" ON "work_tasks" USING btree ("execution_key","slot");--> statement-breakpoint
CREATE INDEX "work_tasks_user_open_idx" ON "work_tasks" USING btree ("assignee_user_id","due_at") WHERE "work_tasks"."status" = 'open';--> statement-breakpoint
CREATE INDEX "work_tasks_role_open_idx" ON "work_tasks" USING btree ("assignee_role","assignee_department_id","due_at") WHERE "work_tasks"."status" = 'open';--> statement-breakpoint
CREATE INDEX "work_tasks_run_idx" ON "work_tasks" USING btree ("run_id");--> statement-breakpoint
CREATE INDEX "work_tasks_campaign_idx" ON "work_tasks" USING btree ("campaign_id");

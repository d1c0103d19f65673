-- A decision sent to a run while no worker ran was kept only in Temporal's memory, and could be lost; a held row keeps it
-- until the run answers, and the sync loop sends it again under the same update id. One per person and task.
CREATE TABLE "held_decisions" (
	"update_id" text PRIMARY KEY NOT NULL,
	"task_id" text NOT NULL,
	"user_id" text NOT NULL,
	"decision" text NOT NULL,
	"comment" text,
	"actor" jsonb NOT NULL,
	"held_at" timestamp with time zone DEFAULT now() NOT NULL,
	"next_try_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
ALTER TABLE "held_decisions" ADD CONSTRAINT "held_decisions_task_id_approval_tasks_task_id_fk" FOREIGN KEY ("task_id") REFERENCES "public"."approval_tasks"("task_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "held_decisions_next_try_idx" ON "held_decisions" USING btree ("next_try_at");--> statement-breakpoint
CREATE UNIQUE INDEX "held_decisions_task_user_idx" ON "held_decisions" USING btree ("task_id","user_id");
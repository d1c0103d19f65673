CREATE TABLE "alert_ack_sets" (
	"id" uuid PRIMARY KEY NOT NULL,
	"alert_ids" uuid[] NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);

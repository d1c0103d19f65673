-- When the campaign's latest point arrived, kept on each active monitor by the batch that stored it: a monitor's check
-- read max(received_at) over every point of the campaign for it, once per check. Null (rows from before this, and every
-- monitor at its attach) means the check reads the points as it did.
ALTER TABLE "monitors" ADD COLUMN "last_arrival" timestamp with time zone;

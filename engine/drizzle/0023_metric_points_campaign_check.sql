-- metric_points.campaign_id loses its foreign key: PostgreSQL checked it once per inserted point (EXPLAIN ANALYZE of a
-- 1,000-point batch: the RI trigger ran 1,000 times and cost more than the insert and both indexes). Integrity is kept:
-- MetricsService.ingest checks the campaign once per batch, locking its row FOR KEY SHARE in the batch's transaction
-- (the lock the foreign key took per row), so a deletion waits for the batch or the batch sees the campaign gone; and
-- deleting or truncating campaigns removes their points, one statement per deleting statement.
ALTER TABLE "metric_points" DROP CONSTRAINT "metric_points_campaign_id_campaigns_id_fk";--> statement-breakpoint
CREATE FUNCTION metric_points_of_deleted_campaigns() RETURNS trigger AS $$
BEGIN
  DELETE FROM metric_points p USING deleted_campaigns d WHERE p.campaign_id = d.id;
  RETURN NULL;
END;
$$ LANGUAGE plpgsql;
--> statement-breakpoint
CREATE TRIGGER campaigns_delete_metric_points AFTER DELETE ON campaigns REFERENCING OLD TABLE AS deleted_campaigns
  FOR EACH STATEMENT EXECUTE FUNCTION metric_points_of_deleted_campaigns();
--> statement-breakpoint
CREATE FUNCTION metric_points_of_truncated_campaigns() RETURNS trigger AS $$
BEGIN
  TRUNCATE metric_points;
  RETURN NULL;
END;
$$ LANGUAGE plpgsql;
--> statement-breakpoint
CREATE TRIGGER campaigns_truncate_metric_points AFTER TRUNCATE ON campaigns
  FOR EACH STATEMENT EXECUTE FUNCTION metric_points_of_truncated_campaigns();
--> statement-breakpoint
-- A campaign's id never changes (nothing updates it); if something did, its points would lose their campaign.
CREATE FUNCTION campaigns_refuse_id_change() RETURNS trigger AS $$
BEGIN
  IF NEW.id IS DISTINCT FROM OLD.id THEN
    RAISE EXCEPTION 'campaigns.id does not change (metric_points refer to it)';
  END IF;
  RETURN NEW;
END;
$$ LANGUAGE plpgsql;
--> statement-breakpoint
CREATE TRIGGER campaigns_id_unchanged BEFORE UPDATE OF id ON campaigns FOR EACH ROW EXECUTE FUNCTION campaigns_refuse_id_change();

-- Rows already there were all published: revision 0 (a constant default fills them without rewriting the table; new rows start null).
ALTER TABLE "component_status_changes" ADD COLUMN "revision" bigint DEFAULT 0;--> statement-breakpoint
ALTER TABLE "component_status_changes" ALTER COLUMN "revision" DROP DEFAULT;--> statement-breakpoint
CREATE INDEX "component_status_changes_revision_idx" ON "component_status_changes" USING btree ("revision");

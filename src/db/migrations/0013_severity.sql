ALTER TABLE "incidents" ADD COLUMN "severity" text;--> statement-breakpoint
ALTER TABLE "page_settings" ADD COLUMN "severity_levels" jsonb DEFAULT '[]'::jsonb NOT NULL;
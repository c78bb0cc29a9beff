CREATE TABLE "maintenance_series" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"body" text NOT NULL,
	"component_ids" jsonb NOT NULL,
	"rrule" text NOT NULL,
	"starts_at_local" text NOT NULL,
	"time_zone" text NOT NULL,
	"duration_minutes" integer NOT NULL,
	"announce_days" integer DEFAULT 7 NOT NULL,
	"auto_start" boolean DEFAULT true NOT NULL,
	"auto_complete" boolean DEFAULT true NOT NULL,
	"deliver_notifications" boolean DEFAULT true NOT NULL,
	"skipped" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"version" integer DEFAULT 1 NOT NULL
);
--> statement-breakpoint
ALTER TABLE "incidents" ADD COLUMN "series_id" text;--> statement-breakpoint
ALTER TABLE "incidents" ADD COLUMN "occurrence_start" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "incidents" ADD COLUMN "detached" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "incidents" ADD CONSTRAINT "incidents_series_id_maintenance_series_id_fk" FOREIGN KEY ("series_id") REFERENCES "public"."maintenance_series"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "incidents" ADD CONSTRAINT "incidents_series_occurrence_key" UNIQUE("series_id","occurrence_start");
CREATE TYPE "public"."component_status" AS ENUM('operational', 'under_maintenance', 'degraded_performance', 'partial_outage', 'major_outage');--> statement-breakpoint
CREATE TYPE "public"."event_kind" AS ENUM('incident', 'maintenance');--> statement-breakpoint
CREATE TYPE "public"."event_status" AS ENUM('investigating', 'identified', 'monitoring', 'resolved', 'postmortem', 'scheduled', 'in_progress', 'verifying', 'completed');--> statement-breakpoint
CREATE TYPE "public"."impact" AS ENUM('none', 'minor', 'major', 'critical', 'maintenance');--> statement-breakpoint
CREATE TABLE "component_groups" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"description" text,
	"position" integer DEFAULT 0 NOT NULL,
	"hidden" boolean DEFAULT false NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"version" integer DEFAULT 1 NOT NULL
);
--> statement-breakpoint
CREATE TABLE "component_status_changes" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "component_status_changes_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"component_id" text NOT NULL,
	"status" "component_status" NOT NULL,
	"changed_at" timestamp with time zone NOT NULL,
	"incident_id" text
);
--> statement-breakpoint
CREATE TABLE "components" (
	"id" text PRIMARY KEY NOT NULL,
	"group_id" text,
	"name" text NOT NULL,
	"description" text,
	"position" integer DEFAULT 0 NOT NULL,
	"status" "component_status" DEFAULT 'operational' NOT NULL,
	"showcase" boolean DEFAULT true NOT NULL,
	"only_show_if_degraded" boolean DEFAULT false NOT NULL,
	"hidden" boolean DEFAULT false NOT NULL,
	"start_date" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"version" integer DEFAULT 1 NOT NULL
);
--> statement-breakpoint
CREATE TABLE "incident_components" (
	"incident_id" text NOT NULL,
	"component_id" text NOT NULL,
	CONSTRAINT "incident_components_incident_id_component_id_pk" PRIMARY KEY("incident_id","component_id")
);
--> statement-breakpoint
CREATE TABLE "incident_updates" (
	"id" text PRIMARY KEY NOT NULL,
	"incident_id" text NOT NULL,
	"status" "event_status" NOT NULL,
	"body" text NOT NULL,
	"display_at" timestamp with time zone NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"affected_components" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"deliver_notifications" boolean DEFAULT true NOT NULL,
	"version" integer DEFAULT 1 NOT NULL
);
--> statement-breakpoint
CREATE TABLE "incidents" (
	"id" text PRIMARY KEY NOT NULL,
	"kind" "event_kind" NOT NULL,
	"name" text NOT NULL,
	"status" "event_status" NOT NULL,
	"impact" "impact" NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"started_at" timestamp with time zone NOT NULL,
	"monitoring_at" timestamp with time zone,
	"resolved_at" timestamp with time zone,
	"scheduled_for" timestamp with time zone,
	"scheduled_until" timestamp with time zone,
	"auto_start" boolean DEFAULT false NOT NULL,
	"auto_complete" boolean DEFAULT false NOT NULL,
	"next_update_due_at" timestamp with time zone,
	"postmortem_body" text,
	"postmortem_published_at" timestamp with time zone,
	"version" integer DEFAULT 1 NOT NULL
);
--> statement-breakpoint
CREATE TABLE "page_settings" (
	"id" smallint PRIMARY KEY DEFAULT 1 NOT NULL,
	"name" text NOT NULL,
	"homepage_url" text,
	"time_zone" text DEFAULT 'Etc/UTC' NOT NULL,
	"brand_color" text DEFAULT '#2563eb' NOT NULL,
	"logo_url" text,
	"support_url" text,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"version" integer DEFAULT 1 NOT NULL
);
--> statement-breakpoint
CREATE TABLE "site_state" (
	"id" smallint PRIMARY KEY DEFAULT 1 NOT NULL,
	"revision" bigint DEFAULT 0 NOT NULL,
	"revised_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "component_status_changes" ADD CONSTRAINT "component_status_changes_component_id_components_id_fk" FOREIGN KEY ("component_id") REFERENCES "public"."components"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "components" ADD CONSTRAINT "components_group_id_component_groups_id_fk" FOREIGN KEY ("group_id") REFERENCES "public"."component_groups"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "incident_components" ADD CONSTRAINT "incident_components_incident_id_incidents_id_fk" FOREIGN KEY ("incident_id") REFERENCES "public"."incidents"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "incident_components" ADD CONSTRAINT "incident_components_component_id_components_id_fk" FOREIGN KEY ("component_id") REFERENCES "public"."components"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "incident_updates" ADD CONSTRAINT "incident_updates_incident_id_incidents_id_fk" FOREIGN KEY ("incident_id") REFERENCES "public"."incidents"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "component_status_changes_component_time_idx" ON "component_status_changes" USING btree ("component_id","changed_at");--> statement-breakpoint
CREATE INDEX "components_group_position_idx" ON "components" USING btree ("group_id","position");--> statement-breakpoint
CREATE INDEX "incident_components_component_idx" ON "incident_components" USING btree ("component_id");--> statement-breakpoint
CREATE INDEX "incident_updates_incident_display_idx" ON "incident_updates" USING btree ("incident_id","display_at");--> statement-breakpoint
CREATE INDEX "incidents_kind_created_idx" ON "incidents" USING btree ("kind","created_at");--> statement-breakpoint
CREATE INDEX "incidents_open_idx" ON "incidents" USING btree ("kind") WHERE "incidents"."resolved_at" is null;
ALTER TYPE "public"."staff_message_kind" ADD VALUE 'alert_suggestion';--> statement-breakpoint
CREATE TABLE "alert_sources" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"kind" text NOT NULL,
	"token_hash" text NOT NULL,
	"signing_secret" text,
	"rules" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"severities" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"automatic" boolean DEFAULT false NOT NULL,
	"min_firing_seconds" integer DEFAULT 0 NOT NULL,
	"cooldown_seconds" integer DEFAULT 0 NOT NULL,
	"stale_after_minutes" integer DEFAULT 720 NOT NULL,
	"template_id" text,
	"created_by" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_received_at" timestamp with time zone,
	"revoked_at" timestamp with time zone,
	"version" integer DEFAULT 1 NOT NULL,
	CONSTRAINT "alert_sources_token_hash_unique" UNIQUE("token_hash")
);
--> statement-breakpoint
CREATE TABLE "alert_suggestions" (
	"id" text PRIMARY KEY NOT NULL,
	"source_id" text,
	"status" text DEFAULT 'open' NOT NULL,
	"name" text NOT NULL,
	"body" text NOT NULL,
	"components" jsonb NOT NULL,
	"incident_id" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"decided_by" text,
	"decided_at" timestamp with time zone,
	"version" integer DEFAULT 1 NOT NULL
);
--> statement-breakpoint
CREATE TABLE "alerts" (
	"id" text PRIMARY KEY NOT NULL,
	"source_id" text NOT NULL,
	"fingerprint" text NOT NULL,
	"status" text NOT NULL,
	"labels" jsonb NOT NULL,
	"annotations" jsonb NOT NULL,
	"component_id" text,
	"component_status" "component_status",
	"starts_at" timestamp with time zone NOT NULL,
	"ends_at" timestamp with time zone,
	"generator_url" text,
	"dashboard_url" text,
	"suggestion_id" text,
	"first_seen_at" timestamp with time zone NOT NULL,
	"last_received_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "alerts_source_fingerprint_key" UNIQUE("source_id","fingerprint")
);
--> statement-breakpoint
CREATE TABLE "component_automation" (
	"component_id" text PRIMARY KEY NOT NULL,
	"automatic" boolean DEFAULT false NOT NULL,
	"set_status" "component_status",
	"set_by" text,
	"changed_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "alert_sources" ADD CONSTRAINT "alert_sources_template_id_templates_id_fk" FOREIGN KEY ("template_id") REFERENCES "public"."templates"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "alert_suggestions" ADD CONSTRAINT "alert_suggestions_source_id_alert_sources_id_fk" FOREIGN KEY ("source_id") REFERENCES "public"."alert_sources"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "alert_suggestions" ADD CONSTRAINT "alert_suggestions_incident_id_incidents_id_fk" FOREIGN KEY ("incident_id") REFERENCES "public"."incidents"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "alerts" ADD CONSTRAINT "alerts_source_id_alert_sources_id_fk" FOREIGN KEY ("source_id") REFERENCES "public"."alert_sources"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "alerts" ADD CONSTRAINT "alerts_component_id_components_id_fk" FOREIGN KEY ("component_id") REFERENCES "public"."components"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "alerts" ADD CONSTRAINT "alerts_suggestion_id_alert_suggestions_id_fk" FOREIGN KEY ("suggestion_id") REFERENCES "public"."alert_suggestions"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "component_automation" ADD CONSTRAINT "component_automation_component_id_components_id_fk" FOREIGN KEY ("component_id") REFERENCES "public"."components"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "component_automation" ADD CONSTRAINT "component_automation_set_by_alert_sources_id_fk" FOREIGN KEY ("set_by") REFERENCES "public"."alert_sources"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "alerts_component_idx" ON "alerts" USING btree ("component_id");
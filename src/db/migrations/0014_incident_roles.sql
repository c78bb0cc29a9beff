ALTER TABLE "incidents" ADD COLUMN "incident_manager_id" text;--> statement-breakpoint
ALTER TABLE "incidents" ADD COLUMN "communications_lead_id" text;--> statement-breakpoint
ALTER TABLE "incidents" ADD CONSTRAINT "incidents_incident_manager_id_users_id_fk" FOREIGN KEY ("incident_manager_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "incidents" ADD CONSTRAINT "incidents_communications_lead_id_users_id_fk" FOREIGN KEY ("communications_lead_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;
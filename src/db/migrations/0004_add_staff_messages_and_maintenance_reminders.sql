CREATE TYPE "public"."staff_message_kind" AS ENUM('overdue_reminder');--> statement-breakpoint
ALTER TYPE "public"."notification_kind" ADD VALUE 'maintenance_reminder';--> statement-breakpoint
CREATE TABLE "staff_messages" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "staff_messages_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"kind" "staff_message_kind" NOT NULL,
	"user_id" text NOT NULL,
	"to" text NOT NULL,
	"incident_id" text,
	"message" jsonb NOT NULL,
	"status" "delivery_status" DEFAULT 'pending' NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"available_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_error" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"sent_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "mailbox" ADD COLUMN "staff_message_id" bigint;--> statement-breakpoint
ALTER TABLE "staff_messages" ADD CONSTRAINT "staff_messages_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "staff_messages" ADD CONSTRAINT "staff_messages_incident_id_incidents_id_fk" FOREIGN KEY ("incident_id") REFERENCES "public"."incidents"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "staff_messages_pending_idx" ON "staff_messages" USING btree ("available_at") WHERE "staff_messages"."status" = 'pending';--> statement-breakpoint
CREATE INDEX "staff_messages_incident_idx" ON "staff_messages" USING btree ("incident_id");--> statement-breakpoint
ALTER TABLE "mailbox" ADD CONSTRAINT "mailbox_staff_message_id_unique" UNIQUE("staff_message_id");
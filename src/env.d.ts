/// <reference types="astro/client" />

declare namespace App {
  interface Locals {
    /** Set by the publisher when it renders a public route; public routes render nothing without it. */
    snapshot?: import('./domain/snapshot.ts').Snapshot;
  }
}

/// <reference types="astro/client" />

declare namespace App {
  interface Locals {
    /** Set by the publisher when it renders a public route; public routes render nothing without it. */
    snapshot?: import('./domain/snapshot.ts').Snapshot;
    /** Set by the publisher for a route in a language other than the page's default. */
    language?: import('./domain/vocabulary.ts').Language;
    /** Set by the server for admin requests: the process's database, publisher and settings. */
    herald?: import('./server/services.ts').HeraldServices;
    /**
     * Set by the server for every request: the client's address, decided by Herald (src/infra/client-address.ts), never
     * Astro's `clientAddress`.
     */
    clientAddress?: string;
    /** Set by the middleware when the request carries a valid session or API token. */
    principal?: import('./auth/principal.ts').Principal;
  }
}

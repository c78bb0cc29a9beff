// A render thread that dies at its first job, as one the system killed would.
import { parentPort } from 'node:worker_threads';

parentPort?.once('message', () => process.exit(1));

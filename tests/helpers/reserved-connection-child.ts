// porsager/postgres#1208, as its report gives it: a reserved connection whose backend was
// terminated. Without Herald's patch of postgres.js the second query kills this process
// with an uncaught TypeError; with it, both queries reject and the process exits 0.
import postgres from 'postgres';

const url = process.env.DATABASE_URL!;
const sql = postgres(url, { max: 2, onnotice: () => {} });
const killer = postgres(url, { max: 1, onnotice: () => {} });
const reserved = await sql.reserve();
const [row] = await reserved`select pg_backend_pid() as pid`;
await killer`select pg_terminate_backend(${row!.pid})`;
for (let i = 0; i < 3; i++) {
  const outcome = await reserved`select 1`.then(() => 'answered', (error: { code?: string }) => `rejected ${error.code}`);
  console.log(outcome);
}
// The pool itself still works.
const [ok] = await sql`select 1 as one`;
console.log(`pool ${ok!.one}`);
reserved.release();
await Promise.all([sql.end({ timeout: 1 }), killer.end({ timeout: 1 })]);

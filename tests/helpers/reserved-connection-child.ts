// porsager/postgres#1208: a reserved connection whose server side went away. The close
// arrives in order (FIN, through a proxy), so postgres.js takes its quiet path: the
// connection sits without a socket, and without Herald's patch the next query kills
// this process with an uncaught TypeError from nextWrite. With it, the queries reject
// and the process exits 0. (pg_terminate_backend is no trigger for this: its close often
// arrives as a reset, which takes another path.)
import postgres from 'postgres';
import { startTcpProxy, throughProxy } from './tcp-proxy.ts';

const target = new URL(process.env.DATABASE_URL!);
const proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 5432) });
const sql = postgres(throughProxy(target.toString(), proxy), { max: 2, onnotice: () => {} });
const reserved = await sql.reserve();
await reserved`select 1`;
proxy.drop();
await new Promise((resolve) => setTimeout(resolve, 200));
for (let i = 0; i < 3; i++) {
  const outcome = await Promise.race([
    reserved`select 1`.then(
      () => 'answered',
      (error: { code?: string }) => `rejected ${error.code}`,
    ),
    new Promise((resolve) => setTimeout(() => resolve('no answer'), 5000)),
  ]);
  console.log(outcome);
}
const [ok] = await sql`select 1 as one`; // the pool itself still works
console.log(`pool ${ok!.one}`);
reserved.release();
await sql.end({ timeout: 1 });
await proxy.close();

import { startPostgres, startRedis, startKafka } from "@plaza/testkit/services/index";
const time = async <T>(f: () => Promise<T>): Promise<[T, number]> => { const s = performance.now(); const r = await f(); return [r, Math.round(performance.now() - s) / 1000]; };
const [[pg, tp], [redis, tr], [kafka, tk]] = await Promise.all([time(() => startPostgres()), time(() => startRedis()), time(() => startKafka())]);
const [, stop] = await time(() => kafka.stop()); const [, restart] = await time(() => kafka.start());
console.log(`parallel: postgres ${tp}s redis ${tr}s kafka ${tk}s | kafka stop ${stop}s restart ${restart}s`);
await Promise.all([pg.destroy(), redis.destroy(), kafka.destroy()]);
const [p2, tp2] = await time(() => startPostgres()); await p2.destroy();
const [k2, tk2] = await time(() => startKafka()); await k2.destroy();
console.log(`alone: postgres ${tp2}s kafka ${tk2}s`);

// runs the bundled rotation handler on several events in ONE process, as a warm Lambda
// function does: the events as a JSON array on stdin; prints a JSON report (per-event time and
// outcome, the process's peak RSS) on the last line of stdout. used by scripts/bench.ts.
const handlerPath = process.argv[2];
// as Lambda's context gives it; the account is moto's default (functionArnFor in test/support/invoke.ts)
const functionArn = `arn:aws:lambda:${process.env.AWS_REGION}:123456789012:function:${process.env.AWS_LAMBDA_FUNCTION_NAME}`;
let input = '';
process.stdin.on('data', (chunk) => { input += chunk; });
process.stdin.on('end', async () => {
  const events = JSON.parse(input);
  const started = process.hrtime.bigint();
  const { handler } = require(handlerPath);
  const loadedMs = Number(process.hrtime.bigint() - started) / 1e6;
  const results = [];
  for (const event of events) {
    const t0 = process.hrtime.bigint();
    let ok = true;
    let error;
    try {
      await handler(event, { getRemainingTimeInMillis: () => 120_000, invokedFunctionArn: functionArn });
    } catch (e) {
      ok = false;
      error = e && e.message;
    }
    results.push({ ok, error, ms: Number(process.hrtime.bigint() - t0) / 1e6 });
  }
  // the live heap after a full collection: what a warm function keeps from one invocation to the next
  if (global.gc) global.gc();
  const heapUsedKb = Math.round(process.memoryUsage().heapUsed / 1024);
  process.stdout.write(`\n__REPORT__${JSON.stringify({ loadedMs, results, maxRssKb: process.resourceUsage().maxRSS, heapUsedKb })}\n`);
});

// runs the bundled rotation handler as Lambda would, for the tests, the demo and the bench alike:
// a JSON array of events on stdin, each invoked in turn in this one process (one event is a cold
// function; several are a warm one), each with a deadline of ROTATION_TIMEOUT_MS. prints a JSON
// report on the last line of stdout, after a marker: per event its outcome and time, the
// module's load time, the process's peak RSS and (with --expose-gc) the live heap at the end.
const handlerPath = process.argv[2];
// as Lambda's context gives it; the account is moto's default (functionArnFor in test/support/invoke.ts)
const functionArn = `arn:aws:lambda:${process.env.AWS_REGION}:123456789012:function:${process.env.AWS_LAMBDA_FUNCTION_NAME}`;
const timeoutMs = Number(process.env.ROTATION_TIMEOUT_MS || 120000);
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
    const deadline = Date.now() + timeoutMs;
    const result = await handler(event, { getRemainingTimeInMillis: () => deadline - Date.now(), invokedFunctionArn: functionArn }).then(
      // what the handler answered (the deployment hooks answer the provider framework)
      (value) => (value === undefined ? { ok: true } : { ok: true, value }),
      (e) => ({ ok: false, errorType: e && e.name, errorMessage: e && e.message }),
    );
    results.push({ ...result, ms: Number(process.hrtime.bigint() - t0) / 1e6 });
  }
  // the live heap after a full collection: what a warm function keeps from one invocation to the next
  if (global.gc) global.gc();
  const heapUsedKb = Math.round(process.memoryUsage().heapUsed / 1024);
  const report = { node: process.version, loadedMs, results, maxRssKb: process.resourceUsage().maxRSS, heapUsedKb };
  process.stdout.write(`\n__REPORT__${JSON.stringify(report)}\n`, () => process.exit(0));
});

// tinykube/crasher: prints a line, waits $CRASH_AFTER_SECONDS (2), prints a line on stderr and
// exits with $EXIT_CODE (1) — a container that keeps failing, for restartPolicy, restart counts
// and CrashLoopBackOff. EXIT_CODE=0 makes it a container that completes.
const number = (name, fallback) => (process.env[name] ? Number(process.env[name]) : fallback);
const code = number("EXIT_CODE", 1);
const after = number("CRASH_AFTER_SECONDS", 2);
if (!Number.isInteger(code) || code < 0 || code > 255 || !(after >= 0)) {
  console.error(
    `crasher: EXIT_CODE must be an integer 0-255 and CRASH_AFTER_SECONDS a number >= 0, got ${process.env.EXIT_CODE} and ${process.env.CRASH_AFTER_SECONDS}`,
  );
  process.exit(2);
}
console.log(`crasher: started, exiting with code ${code} in ${after} s`);
setTimeout(() => {
  console.error(`crasher: exiting with code ${code}`);
  process.exit(code);
}, after * 1000);

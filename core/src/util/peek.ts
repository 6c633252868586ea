/**
 * Whether a promise has settled yet, without waiting for time to pass: setImmediate runs only after
 * every promise callback queued so far, so a promise that can settle has settled by then. A
 * rejection is thrown here, so a test fails with its message.
 */
export async function peekSettled<T>(promise: Promise<T>): Promise<{ value: T } | "pending"> {
  const seen: { settled?: { value: T } | { error: unknown } } = {};
  promise.then(
    (value) => {
      seen.settled = { value };
    },
    (error: unknown) => {
      seen.settled = { error };
    },
  );
  await new Promise((resolve) => setImmediate(resolve));
  const { settled } = seen;
  if (settled === undefined) return "pending";
  if ("error" in settled) throw settled.error;
  return settled;
}

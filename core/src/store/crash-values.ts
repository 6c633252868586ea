/** The value the crash test's writer stores under each key, so the reader can check it whole. */
export const valueForKey = (key: string): string => `${key}:${"x".repeat(200)}`;

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { LabelSelectorError } from "../../api/labels.ts";
import {
  formatLabelSelector,
  formatLabels,
  type LabelSelectorObject,
  selectorString,
} from "./labels.ts";

describe("formatLabels", () => {
  it("sorts keys and joins k=v with commas, <none> when empty", () => {
    expect(formatLabels({ tier: "front", app: "web" })).toBe("app=web,tier=front");
    expect(formatLabels({})).toBe("<none>");
    expect(formatLabels(undefined)).toBe("<none>");
  });
});

/** A selector as it may arrive in a hand-made object, invalid ones included. */
const raw = (selector: unknown) => selector as LabelSelectorObject;

describe("selectorString", () => {
  it.each<[LabelSelectorObject | undefined, string]>([
    [undefined, ""],
    [{}, ""],
    [{ matchLabels: { b: "2", a: "1" } }, "a=1,b=2"],
    [
      { matchExpressions: [{ key: "env", operator: "NotIn", values: ["prod", "dev"] }] },
      "env notin (dev,prod)",
    ],
    [{ matchExpressions: [{ key: "gpu", operator: "Exists" }] }, "gpu"],
    [{ matchExpressions: [{ key: "gpu", operator: "DoesNotExist" }] }, "!gpu"],
    [
      { matchLabels: { z: "1" }, matchExpressions: [{ key: "a", operator: "In", values: ["x"] }] },
      "a in (x),z=1",
    ],
  ])("%o is %s", (selector, text) => {
    expect(selectorString(selector)).toBe(text);
  });

  it.each([
    [{ matchExpressions: [{ key: "a", operator: "In", values: [] }] }, "values set can't be empty"],
    [
      { matchExpressions: [{ key: "a", operator: "Gt", values: ["1"] }] },
      '"Gt" is not a valid label selector operator',
    ],
  ])("refuses %o", (selector, message) => {
    expect(() => selectorString(raw(selector))).toThrow(LabelSelectorError);
    expect(() => selectorString(raw(selector))).toThrow(message);
  });

  it("orders requirements by key whatever order they were given in", () => {
    const key = fc.stringMatching(/^[a-z]{1,6}$/);
    fc.assert(
      fc.property(fc.dictionary(key, key), (labels) => {
        const reversed = Object.fromEntries(Object.entries(labels).reverse());
        expect(selectorString({ matchLabels: reversed })).toBe(
          selectorString({ matchLabels: labels }),
        );
      }),
    );
  });
});

describe("formatLabelSelector", () => {
  it("says <none> for an empty selector and <error> for an invalid one", () => {
    expect(formatLabelSelector({})).toBe("<none>");
    expect(formatLabelSelector({ matchLabels: { app: "web" } })).toBe("app=web");
    expect(formatLabelSelector(raw({ matchExpressions: [{ key: "a", operator: "Near" }] }))).toBe(
      "<error>",
    );
  });
});

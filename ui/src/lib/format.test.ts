import { describe, expect, it } from "vitest";
import { formatCount, formatDay, formatListTime, formatMoment } from "./format";

const now = new Date(2026, 10, 20, 16, 30); // 20 Nov 2026, 16:30 local time

describe("formatListTime (#8)", () => {
  it("shows the clock for today", () => {
    expect(formatListTime(new Date(2026, 10, 20, 9, 5).getTime(), now)).toBe("09:05");
  });
  it("shows day and month this year", () => {
    expect(formatListTime(new Date(2026, 10, 12, 23, 59).getTime(), now)).toBe("12 Nov");
    expect(formatListTime(new Date(2026, 0, 3).getTime(), now)).toBe("3 Jan");
  });
  it("adds the year for other years", () => {
    expect(formatListTime(new Date(2025, 10, 12, 8, 0).getTime(), now)).toBe("12 Nov 2025");
  });
});

describe("other formats", () => {
  it("formats moments, days and counts", () => {
    expect(formatMoment(new Date(2026, 10, 20, 14, 5).getTime(), now)).toBe("14:05");
    expect(formatMoment(new Date(2026, 10, 19, 14, 5).getTime(), now)).toBe("19 Nov 14:05");
    expect(formatDay(new Date(2026, 10, 20, 1).getTime(), now)).toBe("Today");
    expect(formatDay(new Date(2026, 10, 19, 23).getTime(), now)).toBe("Yesterday");
    expect(formatDay(new Date(2024, 1, 29).getTime(), now)).toBe("29 Feb 2024");
    expect(formatCount(1200)).toBe("1,200");
    expect(formatCount(0)).toBe("0");
    expect(formatCount(999)).toBe("999");
    expect(formatCount(1000)).toBe("1,000");
    expect(formatCount(1234567.4)).toBe("1,234,567");
    expect(formatCount(-12345)).toBe("-12,345");
  });
});

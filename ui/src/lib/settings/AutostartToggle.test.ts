import { fireEvent, render, screen, waitFor } from "@testing-library/svelte";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { commands, fail, ok, resetFakes } from "../../test/fake-bindings";
import AutostartToggle from "./AutostartToggle.svelte";

vi.mock("../bindings", () => import("../../test/fake-bindings"));

const box = () => screen.getByLabelText("Start at login") as HTMLInputElement;

describe("Start at login", () => {
  beforeEach(resetFakes);

  it("is off by default, shows what the OS has, and turns on and off", async () => {
    render(AutostartToggle, {});
    await waitFor(() => expect(box()).not.toBeDisabled());
    expect(box().checked).toBe(false);
    await fireEvent.click(box());
    await waitFor(() => expect(commands.setAutostart).toHaveBeenLastCalledWith(true));
    await waitFor(() => expect(box().checked).toBe(true));
    await fireEvent.click(box());
    await waitFor(() => expect(commands.setAutostart).toHaveBeenLastCalledWith(false));
    await waitFor(() => expect(box().checked).toBe(false));
  });

  it("shows an entry the OS already has as on", async () => {
    commands.autostartEnabled.mockImplementation(() => ok(true));
    render(AutostartToggle, {});
    await waitFor(() => expect(box().checked).toBe(true));
  });

  it("says why a change was refused and keeps the box as the OS has it", async () => {
    commands.setAutostart.mockImplementation(() => fail("invalid_state", "Start at login could not be changed: denied"));
    render(AutostartToggle, {});
    await waitFor(() => expect(box()).not.toBeDisabled());
    await fireEvent.click(box());
    expect(await screen.findByText(/could not be changed: denied/)).toBeInTheDocument();
    expect(box().checked).toBe(false);
  });
});

import { describe, expect, it, vi } from "vitest";
import { commands, resetFakes } from "../test/fake-bindings";
import { makeOpened } from "../test/fixtures";
import { api, IpcError } from "./ipc";

vi.mock("./bindings", () => import("../test/fake-bindings"));

describe("the session's restore asked for by index.html", () => {
  it("is taken over: its answer is the command's, and the command is not asked again", async () => {
    resetFakes();
    const opened = makeOpened();
    await expect(api.restoreSession(Promise.resolve(opened))).resolves.toEqual(opened);
    expect(commands.restoreSession).not.toHaveBeenCalled();
  });

  it("keeps the command's error structured", async () => {
    const refused = Promise.reject({ kind: "unauthorized", message: "Your session has expired." });
    const error = await api.restoreSession(refused).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IpcError);
    expect(error).toMatchObject({ kind: "unauthorized", message: "Your session has expired." });
  });
});

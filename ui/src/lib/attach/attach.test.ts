import { render, screen, waitFor } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import { commands, fail, fire, ok } from "../../test/fake-bindings";
import AttachButton from "./AttachButton.svelte";
import AttachmentView from "./AttachmentView.svelte";
import { formatSize } from "./format";

vi.mock("../bindings", () => import("../../test/fake-bindings"));

let nextConversation = 1000;

describe("AttachButton", () => {
  it("picks one file, uploads it at once with progress and Cancel", async () => {
    const id = nextConversation++;
    commands.pickFile.mockImplementationOnce(() => ok("/home/anna/report.pdf"));
    commands.attachFile.mockImplementationOnce(() => ok("up-1"));
    render(AttachButton, { conversationId: id, enabled: true });
    await userEvent.click(screen.getByRole("button", { name: /Attach file/ }));
    expect(commands.attachFile).toHaveBeenCalledWith(id, "/home/anna/report.pdf");
    await screen.findByRole("status", { name: /Uploading report\.pdf/ });
    fire("uploadProgressChanged", {
      progress: { upload_id: "up-1", conversation_id: id, file_name: "report.pdf", sent: 512 * 1024, total: 1024 * 1024, state: { state: "uploading" } },
    });
    await waitFor(() => expect(document.querySelector("progress")).toHaveAttribute("value", "50"));
    expect(screen.getByText("512 KB / 1.0 MB")).toBeInTheDocument();
    await userEvent.click(screen.getByRole("button", { name: "Cancel" }));
    expect(commands.cancelUpload).toHaveBeenCalledWith("up-1");
    await screen.findByRole("button", { name: /Attach file/ });
  });

  it("shows the server's refusal plainly", async () => {
    const id = nextConversation++;
    commands.pickFile.mockImplementationOnce(() => ok("/tmp/setup.exe"));
    commands.attachFile.mockImplementationOnce(() => ok("up-2"));
    render(AttachButton, { conversationId: id, enabled: true });
    await userEvent.click(screen.getByRole("button", { name: /Attach file/ }));
    const message = "Files of type .exe are not accepted; accepted are images, pdf.";
    fire("uploadProgressChanged", {
      progress: { upload_id: "up-2", conversation_id: id, file_name: "setup.exe", sent: 4, total: 4, state: { state: "failed", error: message } },
    });
    expect(await screen.findByRole("alert")).toHaveTextContent(message);
    expect(screen.getByRole("button", { name: /Attach file/ })).toBeEnabled();
  });

  it("does nothing when the dialog is cancelled, and reports a refused start", async () => {
    const id = nextConversation++;
    render(AttachButton, { conversationId: id, enabled: true });
    await userEvent.click(screen.getByRole("button", { name: /Attach file/ }));
    expect(commands.attachFile).not.toHaveBeenCalledWith(id, expect.anything());
    commands.pickFile.mockImplementationOnce(() => ok("/gone.txt"));
    commands.attachFile.mockImplementationOnce(() => fail("bad_input", "Cannot read /gone.txt"));
    await userEvent.click(screen.getByRole("button", { name: /Attach file/ }));
    expect(await screen.findByRole("alert")).toHaveTextContent("Cannot read /gone.txt");
  });

  it("is disabled where files cannot be sent", () => {
    render(AttachButton, { conversationId: nextConversation++, enabled: false });
    expect(screen.getByRole("button", { name: /Attach file/ })).toBeDisabled();
  });
});

describe("AttachmentView", () => {
  const pdf = { id: 7, name: "invoice.pdf", size: 20480, content_type: "application/pdf", sha256: "ab".repeat(32) };

  it("shows name and size and opens the file with the OS", async () => {
    commands.openAttachment.mockImplementationOnce(() => ok("/data/files/abab"));
    render(AttachmentView, { attachment: pdf });
    expect(screen.getByText("invoice.pdf")).toBeInTheDocument();
    expect(screen.getByText("20 KB")).toBeInTheDocument();
    expect(document.querySelector("img")).toBeNull();
    expect(commands.attachmentPreview).not.toHaveBeenCalledWith(7, expect.anything());
    await userEvent.click(screen.getByRole("button", { name: /Open/ }));
    expect(commands.openAttachment).toHaveBeenCalledWith(7);
  });

  it("says why a file cannot be opened (offline, never downloaded)", async () => {
    commands.openAttachment.mockImplementationOnce(() => fail("offline", "Cannot reach the server."));
    render(AttachmentView, { attachment: pdf });
    await userEvent.click(screen.getByRole("button", { name: /Open/ }));
    expect(await screen.findByRole("alert")).toHaveTextContent("Cannot reach the server.");
  });

  it("previews images inline from the local cache", async () => {
    commands.attachmentPreview.mockImplementationOnce(() => ok("data:image/png;base64,iVBORw0KGgo="));
    render(AttachmentView, { attachment: { ...pdf, id: 8, name: "photo.png", content_type: "image/png" } });
    const img = await screen.findByRole("img", { name: "photo.png" });
    expect(img).toHaveAttribute("src", "data:image/png;base64,iVBORw0KGgo=");
    expect(commands.attachmentPreview).toHaveBeenCalledWith(8, "image/png");
  });
});

describe("formatSize", () => {
  it.each([
    [830, "830 B"],
    [12_700, "12 KB"],
    [5_000, "4.9 KB"],
    [3_250_000, "3.1 MB"],
  ])("%d bytes → %s", (bytes, text) => expect(formatSize(bytes)).toBe(text));
});

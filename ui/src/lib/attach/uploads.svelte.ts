/**
 * Attachment uploads the operator started, per conversation: the one running (with its
 * progress) or the last failure, fed by `UploadProgressChanged` events. One file at a time
 * per conversation, as the "Attach file" button picks one file.
 */
import { errorText } from "../errors";
import { api, on, type UploadProgress, type Unlisten } from "../ipc";

export class Uploads {
  /** Running upload per conversation. */
  running = $state<Record<number, UploadProgress>>({});
  /** Last failure per conversation, in the server's words (413, 415, 403 …). */
  errors = $state<Record<number, string>>({});
  #stop: Unlisten | null = null;

  /** Starts listening to the backend (idempotent). */
  listen(): void {
    if (this.#stop) return;
    let stop: Unlisten | null = null;
    let stopped = false;
    this.#stop = () => {
      stopped = true;
      stop?.();
    };
    on.uploadProgressChanged((p) => this.apply(p)).then(
      (s) => (stopped ? s() : (stop = s)),
      () => {
        // No event bridge (component tests drive `apply` directly).
      },
    );
  }

  apply(p: UploadProgress): void {
    const id = p.conversation_id;
    if (p.state.state === "uploading") {
      this.running[id] = p;
      return;
    }
    if (this.running[id]?.upload_id === p.upload_id) delete this.running[id];
    if (p.state.state === "failed") this.errors[id] = p.state.error;
  }

  /** Opens the file dialog and starts the upload of the picked file at once. */
  async pickAndAttach(conversationId: number): Promise<void> {
    delete this.errors[conversationId];
    try {
      const path = await api.pickFile();
      if (path === null) return;
      const uploadId = await api.attachFile(conversationId, path);
      // Show the bar before the first progress event arrives.
      this.running[conversationId] ??= {
        upload_id: uploadId,
        conversation_id: conversationId,
        file_name: path.split(/[\\/]/).pop() ?? path,
        sent: 0,
        total: 0,
        state: { state: "uploading" },
      };
    } catch (e) {
      this.errors[conversationId] = errorText(e);
    }
  }

  async cancel(conversationId: number): Promise<void> {
    const p = this.running[conversationId];
    if (!p) return;
    delete this.running[conversationId];
    try {
      await api.cancelUpload(p.upload_id);
    } catch (e) {
      this.errors[conversationId] = errorText(e);
    }
  }
}

/** The app's uploads (one desk per window). */
export const uploads = new Uploads();

/**
 * DNS over TCP frames each message with a two-byte big-endian length (RFC 1035 §4.2.2). A
 * stream delivers bytes in arbitrary chunks: one chunk may hold half a length, or three whole
 * messages. FrameReader turns chunks back into messages.
 *
 * Trace: push(00 05 a b) → []; push(c d e 00) → [abcde]; push(02 x y) → [xy].
 *
 * Guarantees: messages come out whole and in order; bytes are held only until their message is
 * complete, so a connection holds at most one partial message (≤ 65,537 bytes).
 */

export class FrameReader {
  /** Bytes received but not yet returned; always shorter than one whole frame. */
  private pending: Buffer = Buffer.alloc(0);

  /** The messages completed by `chunk`. */
  push(chunk: Buffer): Buffer[] {
    let data = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    const messages: Buffer[] = [];
    while (data.length >= 2) {
      const length = data.readUInt16BE(0);
      if (data.length < 2 + length) break;
      messages.push(data.subarray(2, 2 + length));
      data = data.subarray(2 + length);
    }
    // Copy the tail, so a small remainder does not pin a large chunk in memory.
    this.pending = Buffer.from(data);
    return messages;
  }

  /** Bytes of an unfinished message: a client that closes with some left sent a partial one. */
  get buffered(): number {
    return this.pending.length;
  }
}

/** `message` with its two-byte length in front. */
export function frame(message: Buffer): Buffer {
  const framed = Buffer.allocUnsafe(2 + message.length);
  framed.writeUInt16BE(message.length, 0);
  message.copy(framed, 2);
  return framed;
}

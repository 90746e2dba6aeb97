// chDB's streaming ArrowStream output is a sequence of complete IPC streams, one per
// chunk (schema message, record batch, end-of-stream marker), measured on chDB 26.7.
// A reader stops at the first end marker, so the chunks are joined into one stream:
// the schema once, every chunk's batches, one end marker. Only framing is read (the
// 8-byte message prefix); batches are passed through as bytes, never decoded.

const CONTINUATION = 0xffffffff;
export const ARROW_EOS = Buffer.from([0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0]);

export class ArrowStreamJoiner {
  private schema: Buffer | null = null;

  /** Bytes to emit for one chunk (a complete IPC stream). */
  push(chunk: Buffer): Buffer {
    if (chunk.length < 16 || chunk.readUInt32LE(0) !== CONTINUATION) throw new Error('unexpected Arrow chunk: no IPC continuation marker');
    const metaLength = chunk.readInt32LE(4);
    const schemaEnd = 8 + metaLength;
    if (metaLength <= 0 || schemaEnd > chunk.length - ARROW_EOS.length) throw new Error('unexpected Arrow chunk: bad schema message length');
    if (!chunk.subarray(chunk.length - ARROW_EOS.length).equals(ARROW_EOS)) throw new Error('unexpected Arrow chunk: no end-of-stream marker');
    const schema = chunk.subarray(0, schemaEnd);
    const batches = chunk.subarray(schemaEnd, chunk.length - ARROW_EOS.length);
    if (this.schema === null) {
      this.schema = Buffer.from(schema);
      return Buffer.concat([this.schema, batches]);
    }
    if (!schema.equals(this.schema)) throw new Error('unexpected Arrow chunk: the schema changed within one result');
    // A view, not a copy: chDB hands every chunk over in its own buffer.
    return batches;
  }

  /** The end marker (nothing if no chunk arrived: then there is no schema to send either). */
  end(): Buffer {
    return this.schema === null ? Buffer.alloc(0) : ARROW_EOS;
  }
}

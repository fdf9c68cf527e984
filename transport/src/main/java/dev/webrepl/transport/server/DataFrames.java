package dev.webrepl.transport.server;

import dev.webrepl.core.protocol.Opcode;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.ContinuationWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;

/** Which data frame a Netty message is; control frames and anything else are not data. */
final class DataFrames {
    private DataFrames() {
    }

    /** The frame's opcode, or null for control frames and non-frames. */
    static Opcode opcode(Object msg) {
        if (msg instanceof TextWebSocketFrame) {
            return Opcode.TEXT;
        }
        if (msg instanceof BinaryWebSocketFrame) {
            return Opcode.BINARY;
        }
        if (msg instanceof ContinuationWebSocketFrame) {
            return Opcode.CONTINUATION;
        }
        return null;
    }
}

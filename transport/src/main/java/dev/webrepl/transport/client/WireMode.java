package dev.webrepl.transport.client;

/** How a {@link WebReplClient} talks on the wire. */
public enum WireMode {
    /**
     * RFC 6455 as a browser does it: a random key, {@code Sec-WebSocket-Version: 13}, masked frames,
     * {@code Sec-WebSocket-Accept} verified; the password goes in a text frame.
     */
    STANDARD,
    /**
     * Byte for byte what the official {@code webrepl_cli.py} sends (spec §1.2, §4.8): the request
     * {@code GET / HTTP/1.1}, {@code Host: echo.websocket.org} (the CLI's bogus host, kept so that
     * captures match), {@code Connection}, {@code Upgrade}, {@code Sec-WebSocket-Key: foo}, no version
     * header; unmasked frames; the password in a binary frame followed at once by GET_VER; PUT headers
     * split into frames of 10 and 72 bytes; PUT data in 1024-byte frames.
     */
    LEGACY
}

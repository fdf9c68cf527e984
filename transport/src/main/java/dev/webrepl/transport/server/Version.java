package dev.webrepl.transport.server;

/** This server's version as the GET_VER reply carries it (spec §4.5): major, minor, micro. */
public final class Version {
    /** 0.1.0. */
    static final byte[] BYTES = {0, 1, 0};

    private Version() {
    }

    /** A copy of the default reply bytes. */
    public static byte[] bytes() {
        return BYTES.clone();
    }
}

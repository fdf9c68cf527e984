package dev.webrepl.core.protocol;

/** The data frame types the connection tells apart (control frames never reach it). */
public enum Opcode {
    /** Takes the type of the data frame before it (spec §1.3). */
    CONTINUATION,
    TEXT,
    BINARY
}

package dev.webrepl.core.protocol;

import dev.webrepl.core.files.FileStatus;
import java.time.Duration;

/** Told when a file-channel request ends; the recorder interface metrics attach to. */
@FunctionalInterface
public interface TransferListener {
    /** The request types of spec §4 and PROTOCOL.md §1; RESIZE, GET_VER, FLOW and ACK are not reported. */
    enum Kind { PUT, GET, LIST, STAT, DELETE, MKDIR, RENAME, FEATURES, SESSIONS, SHARE, UNKNOWN }

    TransferListener NONE = (kind, detail, bytes, status, took) -> { };

    /**
     * @param kind   the request type
     * @param detail the path the request named (the source of a RENAME); empty when it named none that
     *               could be read (FEATURES, an unknown type, a bad name)
     * @param bytes  file bytes moved (PUT, GET), or reply bytes after the status (LIST, STAT)
     * @param status the final status sent
     * @param took   from the complete request header to the final status
     */
    void transferEnded(Kind kind, String detail, long bytes, FileStatus status, Duration took);
}

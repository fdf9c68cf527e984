package dev.webrepl.core.files;

/**
 * Status codes of the {@code WB} reply (spec §4.2). The reference only ever sends 0; we answer every
 * failure with a Linux errno value so that a client can name the error (PROTOCOL.md §1).
 */
public enum FileStatus {
    OK(0, "ok"),
    NOT_FOUND(2, "no such file or directory"),
    IO_ERROR(5, "input/output error"),
    PERMISSION_DENIED(13, "permission denied (outside the root, reserved, a link, not a regular file, or not allowed)"),
    BUSY(16, "busy (another connection is writing that upload)"),
    EXISTS(17, "already exists"),
    NOT_A_DIRECTORY(20, "a path component is not a directory"),
    IS_A_DIRECTORY(21, "is a directory"),
    INVALID_REQUEST(22, "invalid request (bad signature, unknown type, empty name, bad offset or length)"),
    NO_SPACE(28, "no space left on device"),
    NAME_TOO_LONG(36, "file name too long (at most 63 bytes, 4096 as a long name)"),
    NOT_EMPTY(39, "directory not empty"),
    QUOTA_EXCEEDED(122, "disk quota exceeded (the user's --quota-bytes)"),
    ILLEGAL_NAME_ENCODING(84, "a new name has a control character, or the server cannot encode the name");

    private final int code;
    private final String description;

    FileStatus(int code, String description) {
        this.code = code;
        this.description = description;
    }

    /** The u16 value sent after {@code WB}. */
    public int code() {
        return code;
    }

    public String description() {
        return description;
    }

    /** The status for a received code; unknown non-zero codes map to {@link #IO_ERROR}. */
    public static FileStatus ofCode(int code) {
        for (FileStatus s : values()) {
            if (s.code == code) {
                return s;
            }
        }
        return IO_ERROR;
    }
}

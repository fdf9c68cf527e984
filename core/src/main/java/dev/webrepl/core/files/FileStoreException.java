package dev.webrepl.core.files;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;

/** A file operation that failed with a status a client can be told. */
public final class FileStoreException extends Exception {
    private final FileStatus status;

    public FileStoreException(FileStatus status, String message) {
        super(message);
        this.status = status;
    }

    public FileStoreException(FileStatus status, String message, Throwable cause) {
        super(message, cause);
        this.status = status;
    }

    public FileStatus status() {
        return status;
    }

    /** The status a client gets for an I/O failure on {@code name}: the errno the JDK reports, by type or reason. */
    static FileStoreException of(IOException e, String name) {
        FileStatus status;
        if (e instanceof NoSuchFileException) {
            status = FileStatus.NOT_FOUND;
        } else if (e instanceof AccessDeniedException) {
            status = FileStatus.PERMISSION_DENIED;
        } else if (e instanceof NotDirectoryException) {
            status = FileStatus.NOT_A_DIRECTORY;
        } else if (e instanceof DirectoryNotEmptyException) {
            status = FileStatus.NOT_EMPTY;
        } else if (e instanceof FileAlreadyExistsException) {
            status = FileStatus.EXISTS;
        } else if (e instanceof FileSystemException fse && fse.getReason() != null) {
            String reason = fse.getReason();
            status = reason.contains("No space left") || reason.contains("quota") ? FileStatus.NO_SPACE
                    : reason.contains("File name too long") ? FileStatus.NAME_TOO_LONG
                    : reason.contains("Not a directory") ? FileStatus.NOT_A_DIRECTORY
                    : reason.contains("Is a directory") ? FileStatus.IS_A_DIRECTORY
                    : reason.contains("Directory not empty") ? FileStatus.NOT_EMPTY
                    : reason.contains("File exists") ? FileStatus.EXISTS
                    // rename(2) of a directory into itself (PROTOCOL.md §5)
                    : reason.contains("Invalid argument") ? FileStatus.INVALID_REQUEST
                    : FileStatus.IO_ERROR;
        } else if (e.getMessage() != null && e.getMessage().contains("No space left")) {
            status = FileStatus.NO_SPACE;
        } else {
            status = FileStatus.IO_ERROR;
        }
        return new FileStoreException(status, status.description() + ": " + name, e);
    }
}
